#!/usr/bin/env python3
"""tree against the guest and gdb:
  - maple: each workload's mm->mm_mt (gdb's offset of mm_struct.mm_mt) holds, in index order, its
    VMAs with the ranges /proc/PID/maps gives (start to end - 1), the same VMAs `vm` lists;
  - xarray: the shmfile workload's file (vm_area_struct.vm_file, file.f_mapping and
    address_space.i_pages at gdb's offsets) caches at index (maps offset / 4096) + i the struct page
    of the frame its pagemap gives for page i of the mapping (the struct page `kmem -p` names);
  - rbtree: vmap_area_root holds the kernel's busy vmap areas in address order, with the sizes
    /proc/vmallocinfo lists for them (it prints hashed addresses, so sizes are what can be compared);
    purge_vmap_area_root walks in address order too;
  - a tree kind that does not exist and an unmapped root are refused with one line.

usage: check_tree.py KSLEUTH SAMPLE_DIR DUMP [--cache-dir DIR]
"""
import collections
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_list import gdb_offsets  # noqa: E402
from kstruth import Checks, Truth, check_refused, run_ksleuth, sample_args  # noqa: E402

PAGE = 4096


def entries(doc):
    return doc.get("entries", [])


def workload_vms(checks, a, truth):
    """{pid: vm's document} for the workloads (manyvma's 4000 VMAs left out)."""
    pids = [int(w["pid"]) for w in truth.workloads() if "pid" in w and w["mode"] != "manyvma"]
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, [f"vm {p}" for p in pids], cache_dir=a.cache_dir)
    if not checks.check(rc == 0 and len(docs) == len(pids), f"vm: rc {rc} {err.strip()[:300]}"):
        return {}
    return dict(zip(pids, docs))


def check_maple(checks, a, truth, mm_mt_off):
    vms = workload_vms(checks, a, truth)
    if not vms:
        return {}
    pids = list(vms)
    cmds = [f"tree -t maple -p {int(vms[p]['mm'], 16) + mm_mt_off:x}" for p in pids]
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, cmds, cache_dir=a.cache_dir)
    if not checks.check(rc == 0 and len(docs) == len(pids), f"tree -t maple: rc {rc} {err.strip()[:300]}"):
        return vms
    for pid, doc in zip(pids, docs):
        got = [(e["index"], e["last"]) for e in entries(doc)]
        want = [(start, end - 1) for start, end, _, _, _ in truth.maps(pid)]
        checks.check(got == want, f"maple tree of {pid}: {len(got)} ranges, maps has {len(want)}: {got[:3]} vs {want[:3]}")
        checks.check([e["address"] for e in entries(doc)] == [v["vma"] for v in vms[pid]["vmas"]], f"maple tree of {pid}: not vm's VMAs")
    return vms


def check_xarray(checks, a, truth, vms, offs):
    vm_file, f_mapping, i_pages = offs
    w = next(w for w in truth.workloads() if w["mode"] == "shmfile")
    pid, base, pages = int(w["pid"]), int(w["base"], 16), int(w["pages"])
    vma = next(v for v in vms[pid]["vmas"] if int(v["start"], 16) == base)
    pgoff = next(off for start, _, _, off, _ in truth.maps(pid) if start == base) // PAGE
    rc, docs, _ = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, [f"rd -32 {int(vma['vma'], 16) + vm_file:x} 1"], cache_dir=a.cache_dir)
    file = int(docs[0]["values"][0], 16)
    rc, docs, _ = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, [f"rd -32 {file + f_mapping:x} 1"], cache_dir=a.cache_dir)
    mapping = int(docs[0]["values"][0], 16)
    frames = dict(truth.pagemap(pid))
    resident = [i for i in range(pages) if base + i * PAGE in frames]
    cmds = [f"tree -t xarray -p {mapping + i_pages:x}"] + [f"kmem -p {frames[base + i * PAGE] * PAGE:x}" for i in resident]
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, cmds, cache_dir=a.cache_dir)
    if not checks.check(rc == 0 and len(docs) == len(cmds), f"tree -t xarray: rc {rc} {err.strip()[:300]}"):
        return
    cached = {e["index"]: e["address"] for e in entries(docs[0])}
    checks.check(len(resident) == pages, f"only {len(resident)} of {pages} shmfile pages resident")
    for i, doc in zip(resident, docs[1:]):
        page = doc["pages"][0]["page"]
        checks.check(cached.get(pgoff + i) == page, f"page cache index {pgoff + i}: {cached.get(pgoff + i)} != {page}")


def area_sizes(checks, a, root):
    """Sizes of the vmap areas in an rbtree of struct vmap_area, checked to be in address order."""
    cmd = f"tree -t rbtree -o vmap_area.rb_node -s vmap_area.va_start,va_end {root}"
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, [cmd], cache_dir=a.cache_dir)
    if not checks.check(rc == 0 and docs, f"tree -t rbtree {root}: rc {rc} {err.strip()[:300]}"):
        return collections.Counter()
    areas = [(e["value"]["va_start"], e["value"]["va_end"]) for e in entries(docs[0])]
    checks.check(all(x[1] <= y[0] for x, y in zip(areas, areas[1:])), f"{root}: areas not in address order")
    return collections.Counter(end - start for start, end in areas)


def check_rbtree(checks, a, truth):
    """/proc/vmallocinfo lists the busy areas (vmap_area_root), then the lazily freed ones not yet
    purged as "unpurged vm_area". Those (purge_vmap_area_root) merge with their neighbours as more are
    freed, which the moment between the record and the capture is enough for: that tree is walked
    and its order checked, its sizes not compared."""
    lines = [line for line in truth.text("vmallocinfo").splitlines() if line.strip() and "unpurged vm_area" not in line]
    want = collections.Counter(int(line.split()[1]) for line in lines)
    got = area_sizes(checks, a, "vmap_area_root")
    # Taken a moment before the capture: an area may come or go in between.
    drift = sum(((want - got) + (got - want)).values())
    checks.check(drift * 10 <= max(sum(want.values()), 10), f"vmap_area_root: sizes {dict(got)}, vmallocinfo {dict(want)}")
    # 5.10 keeps the lazily freed areas on an llist (vmap_purge_list), not in a tree.
    if has_symbol(a.vmlinux, "purge_vmap_area_root"):
        area_sizes(checks, a, "purge_vmap_area_root")


def has_symbol(vmlinux, name):
    out = subprocess.run(["nm", vmlinux], capture_output=True, text=True, timeout=300).stdout
    return any(line.split()[-1:] == [name] for line in out.splitlines())


def main():
    a = sample_args(__doc__)
    truth = Truth(a.sample)
    checks = Checks(f"tree {os.path.basename(a.sample)}")
    offs = gdb_offsets(a.vmlinux, ["vm_area_struct *)0)->vm_file", "file *)0)->f_mapping", "address_space *)0)->i_pages"])
    mm_mt = gdb_offsets(a.vmlinux, ["mm_struct *)0)->mm_mt"])
    # Before 6.1 (the 5.10 samples) mm_struct has no maple tree: VMAs are on the vm_next list.
    vms = check_maple(checks, a, truth, mm_mt[0]) if mm_mt else workload_vms(checks, a, truth)
    if vms:
        check_xarray(checks, a, truth, vms, offs)
    check_rbtree(checks, a, truth)
    check_refused(checks, a, (("tree -t btree vmap_area_root", "-t btree"), ("tree -t xarray 1000", "not mapped")))
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
