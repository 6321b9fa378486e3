#!/usr/bin/env python3
"""kmem -S and kmem -V against the guest's /proc:
  - every cache of /proc/slabinfo is walked; the objects found in its slabs (CPU slabs and partial
    lists, node lists, and the full slabs only mem_map knows) total slabinfo's num_objs, and those
    objects less the free ones of the node-partial slabs (what SLUB's /proc/slabinfo subtracts)
    equal its active_objs, both within the drift dumps/README.md documents (whole slabs; twice
    that for a capture taken after a crash); each slab's objects are objsize apart within it;
  - every task of ps except the static init_task is an allocated object of task_struct;
  - kmem -V's VM_ZONE_STAT, VM_NODE_STAT and VM_EVENT_STATES counters equal /proc/vmstat's of the
    same name (lower-cased; PGPGIN/PGPGOUT halved, as vmstat_show() gives KB) within the
    page-counter drift;
  - kmem -S of a cache that does not exist is refused with one line.

usage: check_slab_objects.py KSLEUTH SAMPLE_DIR DUMP [--cache-dir DIR]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_mem import AFTER_CRASH, BEFORE_CAPTURE, near  # noqa: E402
from kstruth import Checks, Truth, check_refused, run_ksleuth, sample_args  # noqa: E402


def check_caches(checks, truth, doc, drift):
    caches = {c["name"]: c for c in doc.get("caches", [])}
    slabinfo = truth.slabinfo()
    checks.check(set(slabinfo) <= set(caches), f"kmem -S lacks caches {sorted(set(slabinfo) - set(caches))[:5]}")
    for name, (active, num, objsize, per_slab, pages, slabs) in slabinfo.items():
        c = caches.get(name)
        if not c:
            continue
        slack = drift.slabs * per_slab
        total = sum(len(s["objects"]) for s in c["slabs"])
        allocated = sum(o["allocated"] for s in c["slabs"] for o in s["objects"])
        node_free = sum(not o["allocated"] for s in c["slabs"] if s["list"] == "node_partial" for o in s["objects"])
        checks.check((c["total"], c["allocated"]) == (total, allocated), f"{name}: totals {c['total']}/{c['allocated']} "
                                                                        f"are not its slabs' {total}/{allocated}")
        checks.check(abs(total - num) <= slack, f"{name}: {total} objects in its slabs, slabinfo num_objs {num}")
        checks.check(abs(total - node_free - active) <= slack,
                     f"{name}: {total} - {node_free} free on node partial lists, slabinfo active_objs {active}")
        for s in c["slabs"]:
            addrs = [int(o["address"], 16) for o in s["objects"]]
            if any(b - a != c["size"] for a, b in zip(addrs, addrs[1:])):
                checks.check(False, f"{name}: slab {s['slab']} objects not {c['size']} apart")
                break


def check_tasks(checks, a, doc, ps):
    caches = {c["name"]: c for c in doc.get("caches", [])}
    allocated = {int(o["address"], 16) for s in caches.get("task_struct", {}).get("slabs", []) for o in s["objects"]
                 if o["allocated"]}
    init = [t for t in ps if t["pid"] == 0 and t["comm"] == "swapper/0"]
    tasks = {int(t["task"], 16) for t in ps} - {int(t["task"], 16) for t in init}
    checks.check(len(tasks) > 3, f"ps gave {len(tasks)} tasks")
    missing = sorted(tasks - allocated)
    checks.check(not missing, f"tasks of ps not allocated task_struct objects: {[hex(x) for x in missing[:5]]}")


def check_vmstat(checks, truth, doc, drift):
    vmstat = truth.vmstat()
    compared = 0
    for group in ("vm_zone_stat", "vm_node_stat", "vm_event_states"):
        for name, value in doc.get(group, {}).items():
            if name.lower() in vmstat:
                # vmstat_show() prints PGPGIN/PGPGOUT in KB, the counters count 512-byte sectors.
                value = value // 2 if name in ("PGPGIN", "PGPGOUT") else value
                compared += 1
                checks.check(near(value, vmstat[name.lower()], drift), f"kmem -V {name} {value}, /proc/vmstat {vmstat[name.lower()]}")
    checks.check(compared >= 20, f"kmem -V: only {compared} counters matched /proc/vmstat names")


def main():
    a = sample_args(__doc__)
    truth = Truth(a.sample)
    checks = Checks(f"kmem -S {os.path.basename(a.sample)}")
    drift = AFTER_CRASH if truth.captured_after_crash() else BEFORE_CAPTURE
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, ["kmem -S", "ps", "kmem -V", "kmem -S task_struct"],
                                cache_dir=a.cache_dir)
    if not checks.check(rc == 0 and len(docs) == 4, f"kmem -S/ps/kmem -V: rc {rc} {err.strip()[:300]}"):
        return checks.finish()
    check_caches(checks, truth, docs[0], drift)
    check_tasks(checks, a, docs[0], docs[1]["tasks"])
    if truth.exists("vmstat"):
        check_vmstat(checks, truth, docs[2], drift)
    one = docs[3]["caches"]
    checks.check([c["name"] for c in one] == ["task_struct"], f"kmem -S task_struct gave {[c['name'] for c in one]}")
    check_refused(checks, a, (("kmem -S no-such-cache", "no slab cache named no-such-cache"),))
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
