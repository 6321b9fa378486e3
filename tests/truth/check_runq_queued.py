#!/usr/bin/env python3
"""runq's queue walks on queues the samples do not have (every sample's CPUs were idle): a copy of
np-96m's raw image where CPU 0's CFS tree is given two nodes, the sched_entity.run_node of two
workloads (the deadbeef and heap ones), and its RT priority array's queue[0] the cow-parent
workload's sched_rt_entity.run_list. Every offset comes from gdb, every task address from the image's
own task list (followed here, in Python), every PID from truth/workloads; runq must list exactly
those tasks under CFS in tree order (left child first) and under RT, each with the priority its
/proc/PID/stat field 18 gives (prio = 100 + priority for a fair task, as the kernel numbers them).

usage: check_runq_queued.py KSLEUTH SAMPLE_DIR UNPACKED_RAW WORK [--cache-dir DIR]
"""
import argparse
import os
import shutil
import sys

here = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, here)
sys.path.insert(0, os.path.join(here, "..", "badinput"))
from kstruth import Checks, Truth, gdb_longs, run_ksleuth  # noqa: E402
from make_inputs import Raw, gdb_address  # noqa: E402


def field(truth, pid, n):
    stat = truth.text(f"pid/{pid}/stat")
    return int(stat[stat.rindex(")") + 2:].split()[n - 3])


def main():
    ap = argparse.ArgumentParser()
    for name in ("ksleuth", "sample", "raw", "work"):
        ap.add_argument(name)
    ap.add_argument("--cache-dir")
    a = ap.parse_args()
    vmlinux = os.path.join(a.sample, "vmlinux")
    truth = Truth(a.sample)
    c = Checks("runq queued")
    names = ["tasks", "pid", "se", "run_node", "rb_left", "rb_right", "parent", "cfs", "timeline", "rt", "active", "queue",
             "rt_se", "run_list"]
    off = dict(zip(names, gdb_longs(vmlinux, [
        "&((struct task_struct *)0)->tasks", "&((struct task_struct *)0)->pid", "&((struct task_struct *)0)->se",
        "&((struct sched_entity *)0)->run_node", "&((struct rb_node *)0)->rb_left", "&((struct rb_node *)0)->rb_right",
        "&((struct rb_node *)0)->__rb_parent_color", "&((struct rq *)0)->cfs", "&((struct cfs_rq *)0)->tasks_timeline",
        "&((struct rq *)0)->rt", "&((struct rt_rq *)0)->active", "&((struct rt_prio_array *)0)->queue",
        "&((struct task_struct *)0)->rt", "&((struct sched_rt_entity *)0)->run_list"])))
    w = {x["mode"]: int(x["pid"]) for x in truth.workloads() if "pid" in x}
    cfs_pids, rt_pid = [w["deadbeef"], w["heap"]], w["cow-parent"]
    os.makedirs(a.work, exist_ok=True)
    image = os.path.join(a.work, "runq-queued.raw")
    shutil.copy(a.raw, image)
    raw = Raw(image)
    init_task = gdb_address(vmlinux, "init_task")
    tasks = {pid: raw.task_of(init_task, off, pid) for pid in cfs_pids + [rt_pid]}
    rq = gdb_address(vmlinux, "runqueues") + raw.u32(gdb_address(vmlinux, "__per_cpu_offset"))
    # CFS: root = first workload's node, its left child = the second's (which comes first in order).
    root, left = (tasks[p] + off["se"] + off["run_node"] for p in cfs_pids)
    raw.put(rq + off["cfs"] + off["timeline"], root)
    for node, l, parent in ((root, left, 0), (left, 0, root)):
        raw.put(node + off["rb_left"], l)
        raw.put(node + off["rb_right"], 0)
        raw.put(node + off["parent"], parent | 1)        # black
    # RT: queue[0] holds one entity.
    head = rq + off["rt"] + off["active"] + off["queue"]
    link = tasks[rt_pid] + off["rt_se"] + off["run_list"]
    raw.put(head, link)
    raw.put(head + 4, link)
    raw.put(link, head)
    raw.put(link + 4, head)
    raw.f.close()
    rc, docs, err = run_ksleuth(a.ksleuth, vmlinux, image, ["runq -c 0"], raw=True, cache_dir=a.cache_dir)
    if c.check(rc == 0 and len(docs) == 1, f"runq on the patched image: rc {rc} {err.strip()[:300]}"):
        q = docs[0]["runqueues"][0]
        got_cfs = [(e["pid"], int(e["task"], 16), e["prio"]) for e in q["cfs"]]
        want_cfs = [(p, tasks[p], 100 + field(truth, p, 18)) for p in (cfs_pids[1], cfs_pids[0])]
        c.check(got_cfs == want_cfs, f"CFS {got_cfs}, expected {want_cfs}")
        got_rt = [(e["pid"], int(e["task"], 16)) for e in q["rt"]]
        c.check(got_rt == [(rt_pid, tasks[rt_pid])], f"RT {got_rt}, expected PID {rt_pid} at {tasks[rt_pid]:#x}")
    os.remove(image)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
