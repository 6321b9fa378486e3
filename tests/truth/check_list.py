#!/usr/bin/env python3
"""list against the guest and gdb:
  - `list -s task_struct.pid,comm task_struct.tasks -h init_task` starts at init_task (its
    /proc/kallsyms address) and holds every workload and kernel thread the guest's ps listed
    (kworkers and the shell's own commands aside, which come and go) under its PID and name;
  - -r gives the same entries backwards, -H init_task.tasks the same without init_task, and a
    singly linked walk of the list_head's next pointers (-o 0) its nodes, at the offset gdb gives
    task_struct.tasks;
  - an hlist: each workload's struct pid (task_struct.thread_pid, read at gdb's offset) holds in
    tasks[PIDTYPE_PID] exactly the workload's task (task_struct.pid_links[0]);
  - a list_head without -h/-H, a member that is no link, and a START that is not mapped are refused
    with one line.

usage: check_list.py KSLEUTH SAMPLE_DIR DUMP [--cache-dir DIR]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kstruth import Checks, Truth, check_refused, gdb_longs, run_ksleuth, sample_args  # noqa: E402


def gdb_offsets(vmlinux, exprs):
    return gdb_longs(vmlinux, [f"&((struct {e}" for e in exprs])


def entries(doc):
    """issue 11's {"entries":["0x...",...]}: the addresses, as strings."""
    return [int(e, 16) for e in doc.get("entries", [])]


def kallsyms(truth, name):
    return next(int(line.split()[0], 16) for line in truth.text("kallsyms").splitlines() if line.split()[2] == name)


def check_tasks(checks, a, truth, tasks_off):
    init = kallsyms(truth, "init_task")
    cmds = ["list -s task_struct.pid,comm task_struct.tasks -h init_task", "list -r task_struct.tasks -h init_task",
            "list task_struct.tasks -H init_task.tasks", f"list -o 0 {init + tasks_off:x}"]
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, cmds, cache_dir=a.cache_dir)
    if not checks.check(rc == 0 and len(docs) == len(cmds), f"list tasks: rc {rc} {err.strip()[:300]}"):
        return []
    forward = entries(docs[0])
    checks.check(forward[:1] == [init], f"list -h init_task starts at {forward[:1]}, not init_task {init:#x}")
    values = docs[0].get("values", [])
    checks.check(len(values) == len(forward), f"list -s: {len(values)} values for {len(forward)} entries")
    listed = {v["pid"]: v["comm"] for v in values}
    workloads = {int(w["pid"]) for w in truth.workloads() if "pid" in w}
    for pid, ppid, _, comm in truth.ps():
        # The workloads, and kernel threads but kworkers: what is still there at the capture (the
        # shell that took ps, and kworkers, come and go), as check_sample.py's ps checks.
        if pid not in workloads and (ppid != 2 or comm.startswith("kworker")):
            continue
        if checks.check(pid in listed, f"PID {pid} ({comm}) of the guest's ps is not on the list"):
            checks.check(comm.strip("[]").startswith(listed[pid][:15]), f"PID {pid}: {listed[pid]!r}, ps says {comm!r}")
    checks.check(entries(docs[1]) == forward[:1] + forward[1:][::-1], "list -r is not the list backwards")
    checks.check(entries(docs[2]) == forward[1:], "list -H init_task.tasks is not the list after init_task")
    checks.check(entries(docs[3]) == [e + tasks_off for e in forward], "list -o 0 does not walk the same nodes")
    return forward


def check_pid_hlists(checks, a, truth, thread_pid_off, pid_tasks_off):
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, ["ps -u"], cache_dir=a.cache_dir)
    workloads = {int(w["pid"]) for w in truth.workloads() if "pid" in w}
    tasks = {t["pid"]: int(t["task"], 16) for t in docs[0]["tasks"] if t["pid"] in workloads} if docs else {}
    checks.check(len(tasks) == len(workloads), f"ps -u lacks workloads: {sorted(workloads - set(tasks))}")
    cmds = [f"rd -32 {tasks[p] + thread_pid_off:x} 1" for p in sorted(tasks)]
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, cmds, cache_dir=a.cache_dir)
    pids = [int(d["values"][0], 16) for d in docs]
    cmds = [f"list task_struct.pid_links[0] -H {p + pid_tasks_off:x}" for p in pids]
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, cmds, cache_dir=a.cache_dir)
    if checks.check(rc == 0 and len(docs) == len(cmds), f"hlists: rc {rc} {err.strip()[:300]}"):
        for pid, doc in zip(sorted(tasks), docs):
            checks.check(entries(doc) == [tasks[pid]], f"struct pid of {pid}: {entries(doc)} != [{tasks[pid]:#x}]")


def check_refusals(checks, a):
    check_refused(checks, a, (("list task_struct.tasks init_task", "-h"), ("list task_struct.comm -h init_task", "neither"),
                     ("list task_struct.tasks -H 1000", "not mapped")))


def main():
    a = sample_args(__doc__)
    truth = Truth(a.sample)
    checks = Checks(f"list {os.path.basename(a.sample)}")
    tasks_off, thread_pid_off, pid_tasks_off = gdb_offsets(
        a.vmlinux, ["task_struct *)0)->tasks", "task_struct *)0)->thread_pid", "pid *)0)->tasks[0]"])
    check_tasks(checks, a, truth, tasks_off)
    check_pid_hlists(checks, a, truth, thread_pid_off, pid_tasks_off)
    check_refusals(checks, a)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
