#!/usr/bin/env python3
"""kmem -c (the census) against what the guest said about its memory just before the capture
(truth/meminfo and truth/vmstat, every sample), within the drift dumps/README.md documents
(check_mem.BEFORE_CAPTURE, or AFTER_CRASH for a sample captured after its crash):
  - every frame from 0 to max_pfn is counted once: the classes add up to the frames, and the
    frames reach the end of the last "System RAM" range of /proc/iomem (exactly, under FLATMEM);
  - no frame of a System RAM range is a hole;
  - free ~ MemFree, anon ~ AnonPages, shmem ~ Shmem, file + shmem + swapcache ~ Cached + SwapCached
    + Buffers, slab ~ Slab, pagetable less init_mm's kernel tables ~ PageTables (plus one page
    directory per address space on 2-level kernels, whose PGDs are no typed page-table pages),
    kernel_stack ~ KernelStack,
    vmalloc ~ VmallocUsed; kernel image + mem_map + reserved = frames with a struct page - MemTotal;
  - the counters the census reads (vm_stat) ~ the guest's /proc/vmstat;
  - percpu_free is exactly what the kernel's per_cpu_pages.count say (in pages: on 6.1 a list holds
    blocks of order up to 3, each counted 2^order);
  - the shmfile workload's file (truth/workloads: file=/tmp/ksleuth-shared, pages=32, on tmpfs) owns
    its 32 page-cache pages, named tmpfs:/ksleuth-shared (the path inside the tmpfs mounted on /tmp);
  - with --svg FILE the picture is an SVG that rsvg-convert renders to a PNG of its size, with every
    class in the legend (when rsvg-convert is given); with --task PID (the heap workload, or the first with a pagemap) it says
    how many frames the task maps: the distinct frames of its truth/pid/PID/pagemap;
  - --map: the letter of the cell holding the middle of the kernel image (_text.._end of the guest's
    /proc/kallsyms, less PAGE_OFFSET) is 'I', and the map's lines cover every frame;
  - blk-mq request pools: a guest whose dmesg shows a virtio_blk disk has some, and they are at most
    the frames the guest's /proc/kpageflags gave no flag at all (the pools' pages carry none), within
    the drift;
  - kernel stacks by task: swapper/0 (gdb's &init_task) is not listed — its stack is
    init_thread_union, inside the image, which the kernel leaves out of KernelStack — and the tasks'
    stack pages and each CPU's IRQ stacks add up to the kernel_stack class, the tasks' ~ KernelStack;
  - refused with one line: --svg without a file, or into a directory that does not exist.

usage: check_census.py KSLEUTH SAMPLE_DIR DUMP [--cache-dir DIR] [--rsvg-convert PATH]
"""
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_mem import AFTER_CRASH, BEFORE_CAPTURE, near  # noqa: E402
from kstruth import Checks, Truth, check_refused, gdb_longs, run_ksleuth, sample_args  # noqa: E402

CLASSES = ["hole", "free", "percpu_free", "slab", "pagetable", "kernel_stack", "vmalloc", "blk_mq_requests", "anon", "file", "shmem",
           "swapcache", "kernel_image", "mem_map", "reserved", "unaccounted"]




def check_frames(checks, truth, doc, cls):
    frames = doc["frames"]
    checks.check(sum(cls.values()) == frames, f"classes add up to {sum(cls.values())}, frames {frames}")
    ram = truth.system_ram()
    last = (max(end for _, end in ram) + 1) >> 12
    if truth.config("FLATMEM") == "y":
        checks.check(frames == last, f"frames {frames} != end of System RAM {last}")
    else:
        checks.check(frames >= last, f"frames {frames} < end of System RAM {last}")
    in_ram = sum(((end + 1) >> 12) - (start >> 12) for start, end in ram)
    checks.check(cls["hole"] <= frames - in_ram, f"{cls['hole']} hole frames, but only {frames - in_ram} frames are not RAM")


def check_stacks(checks, a, truth, doc, cls, drift):
    init_task = gdb_longs(a.vmlinux, ["&init_task"])
    owners = {int(o["owner"], 16): o["pages"] for o in doc["kernel_stacks"]}
    if checks.check(len(init_task) == 1, "gdb gave no &init_task"):
        checks.check(init_task[0] & 0xffffffff not in owners, "swapper/0 (init_task) listed with a stack outside the image")
    total = sum(owners.values())
    checks.check(total == cls["kernel_stack"], f"stacks by owner add up to {total}, the class has {cls['kernel_stack']}")
    # each CPU's IRQ stacks are no task's: KernelStack leaves them out (two per CPU that came up)
    irq = [o for o in doc["kernel_stacks"] if " IRQ stack CPU" in o["name"]]
    checks.check(len(irq) <= 2 * int(truth.config("NR_CPUS") or 1), f"{len(irq)} IRQ stacks")
    tasks = total - sum(o["pages"] for o in irq)
    checks.check(near(tasks, truth.meminfo()["KernelStack"], drift), f"stacks by task {tasks}, KernelStack {truth.meminfo()['KernelStack']}")


def check_blk_mq(checks, truth, cls, drift):
    disk = truth.exists("dmesg") and re.search(r"virtio_blk \S+: \[vd[a-z]+\]", truth.text("dmesg"))
    if not disk or not truth.exists("kpageflags"):
        return
    no_flags = sum(int(n) for w, n, _ in (l.split() for l in truth.text("kpageflags").splitlines() if not l.startswith("#"))
                   if int(w, 16) == 0)
    mine = cls["blk_mq_requests"]
    checks.check(0 < mine, f"{disk.group(0)} in dmesg, but no blk-mq request pages")
    checks.check(mine <= no_flags + drift.pages, f"blk_mq_requests {mine} > {no_flags} frames with no kpageflags")


def check_meminfo(checks, truth, doc, cls, drift):
    m = truth.meminfo()
    # init_mm's kernel tables (pte_alloc_kernel(): vmalloc, fixmap) are no NR_PAGETABLE pages
    kernel_tables = sum(o["pages"] for o in doc["pagetables"] if o["name"] == "init_mm (kernel)")
    nr_mm = len(doc["pagetables"]) - (1 if kernel_tables else 0)
    irq_stacks = sum(o["pages"] for o in doc["kernel_stacks"] if " IRQ stack CPU" in o["name"])
    pgd_pages = nr_mm if truth.config("X86_PAE") != "y" else 0
    pairs = [
        ("free", cls["free"], "MemFree", m["MemFree"]),
        ("anon", cls["anon"], "AnonPages", m["AnonPages"]),
        ("shmem", cls["shmem"], "Shmem", m["Shmem"]),
        ("file+shmem+swapcache", cls["file"] + cls["shmem"] + cls["swapcache"], "Cached+SwapCached+Buffers",
         m["Cached"] + m["SwapCached"] + m["Buffers"]),
        ("slab", cls["slab"], "Slab", m["Slab"]),
        ("pagetable", cls["pagetable"] - kernel_tables, "PageTables + PGDs", m["PageTables"] + pgd_pages),
        ("kernel_stack", cls["kernel_stack"] - irq_stacks, "KernelStack (IRQ stacks aside)", m["KernelStack"]),
        ("vmalloc", cls["vmalloc"], "VmallocUsed", m["VmallocUsed"]),
    ]
    for name, mine, key, theirs in pairs:
        checks.check(near(mine, theirs, drift), f"{name} {mine} pages, meminfo {key} {theirs}")
    reserved = cls["kernel_image"] + cls["mem_map"] + cls["reserved"]
    with_page = doc["frames"] - cls["hole"]
    checks.check(reserved == with_page - m["MemTotal"],
                 f"reserved classes {reserved} != frames with a page {with_page} - MemTotal {m['MemTotal']}")


def check_vmstat(checks, truth, doc, drift):
    v, c = truth.vmstat(), doc["counters"]
    pairs = [("NR_FREE_PAGES", "nr_free_pages", 1), ("NR_ANON_MAPPED", "nr_anon_pages", 1),
             ("NR_FILE_PAGES", "nr_file_pages", 1), ("NR_SHMEM", "nr_shmem", 1),
             ("NR_SLAB_RECLAIMABLE_B", "nr_slab_reclaimable", 1), ("NR_SLAB_UNRECLAIMABLE_B", "nr_slab_unreclaimable", 1),
             ("NR_PAGETABLE", "nr_page_table_pages", 1), ("NR_KERNEL_STACK_KB", "nr_kernel_stack", 4)]
    for mine, theirs, per_page in pairs:
        if checks.check(mine in c and theirs in v, f"counter {mine} / vmstat {theirs} missing"):
            checks.check(near(c[mine] // per_page, v[theirs] // per_page, drift), f"{mine} {c[mine]}, vmstat {theirs} {v[theirs]}")


def check_map(checks, a, truth):
    syms = {l.split()[2]: int(l.split()[0], 16) for l in truth.text("kallsyms").splitlines()}
    if "_text" not in syms or "_end" not in syms:
        return
    middle = ((syms["_text"] + syms["_end"]) // 2 - int(truth.config("PAGE_OFFSET"), 16)) >> 12
    p = subprocess.run([a.ksleuth, a.vmlinux, a.dump, "-c", "kmem -c --map"], capture_output=True, text=True,
                       env=dict(os.environ, KSLEUTH_CACHE_DIR=a.cache_dir or ""))
    text = p.stdout.split("\nMAP (", 1)
    if not checks.check(p.returncode == 0 and len(text) == 2, f"kmem -c --map: rc {p.returncode} {p.stderr[:200]}"):
        return
    per = int(text[1].split()[0])
    rows = {}
    for line in text[1].splitlines():
        m = re.match(r"^ *([0-9a-f]+)  (.*)$", line)
        if m:
            rows[int(m.group(1), 16)] = m.group(2)
    width = 64 * per
    row = rows.get(middle - middle % width, "")
    cell = (middle % width) // per
    checks.check(cell < len(row) and row[cell] == "I", f"map: frame {middle:#x} (kernel image) shows {row[cell:cell + 1]!r}")
    covered = max(rows) + len(rows[max(rows)]) * per if rows else 0
    checks.check(covered >= truth_frames(truth), f"map covers {covered} frames")


def truth_frames(truth):
    return (max(end for _, end in truth.system_ram()) + 1) >> 12


def check_shmfile(checks, truth, doc):
    w = next((w for w in truth.workloads() if w["mode"] == "shmfile"), None)
    if w is None:
        return
    name = "tmpfs:/" + os.path.basename(w["file"])
    owner = next((f for f in doc["files"] if f["name"] == name), None)
    if checks.check(owner is not None, f"no page-cache owner {name}: {[f['name'] for f in doc['files']][:10]}"):
        checks.check(owner["pages"] == int(w["pages"]), f"{name}: {owner['pages']} pages, the workload mapped {w['pages']}")


def check_deleted_files(checks, truth, doc):
    """A file the workloads hold open on /tmp (tmpfs) after it was unlinked: /proc/PID/fd says
    "/tmp/NAME (deleted)", and its page-cache owner is named the same inside tmpfs."""
    pids = [int(p) for p in os.listdir(os.path.join(truth.dir, "pid")) if p.isdigit()]
    deleted = {t for p in pids for t in truth.fds(p).values() if t.startswith("/tmp/") and t.endswith(" (deleted)")}
    names = {f["name"] for f in doc["files"]}
    for target in sorted(deleted):
        name = "tmpfs:" + target[len("/tmp"):]
        checks.check(name in names, f"no page-cache owner {name!r} for the unlinked {target!r}")


def check_svg(checks, a, truth):
    # the heap workload; in a diff pair's state B it has exited, and another workload stands in
    pids = [int(w["pid"]) for w in sorted(truth.workloads(), key=lambda w: w["mode"] != "heap")]
    heap = next((p for p in pids if os.path.exists(os.path.join(a.sample, "truth", "pid", str(p), "pagemap"))), None)
    if not checks.check(heap is not None, "no workload with a pagemap for --svg --task"):
        return
    with tempfile.TemporaryDirectory() as d:
        svg, png = os.path.join(d, "census.svg"), os.path.join(d, "census.png")
        cmd = f"kmem -c --svg {svg} --task {heap}"
        rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, [cmd], cache_dir=a.cache_dir)
        if not checks.check(rc == 0 and os.path.exists(svg), f"{cmd}: rc {rc} {err.strip()[:200]}"):
            return
        text = open(svg).read()
        frames = len({pfn for _, pfn in truth.pagemap(heap)})
        checks.check(f"PID {heap} (workload): {frames} frames mapped" in text, f"svg: PID {heap} maps {frames} frames (pagemap)")
        for name in CLASSES:
            checks.check(f">{name} " in text, f"svg legend has no {name}")
        p = subprocess.run([a.rsvg_convert, "-o", png, svg], capture_output=True, text=True)
        ok = p.returncode == 0 and os.path.exists(png)
        if checks.check(ok, f"rsvg-convert: {p.returncode} {p.stderr.strip()[:200]}"):
            with open(png, "rb") as f:
                head = f.read(24)
            width, height = int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
            checks.check(head[:8] == b"\x89PNG\r\n\x1a\n" and width == 900 and height > 100, f"PNG {head[:8]} {width}x{height}")


def main():
    a = sample_args(__doc__, ["--rsvg-convert"])
    truth = Truth(a.sample)
    drift = AFTER_CRASH if truth.captured_after_crash() else BEFORE_CAPTURE
    checks = Checks(f"census {os.path.basename(a.sample)}")
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, ["kmem -c"], cache_dir=a.cache_dir)
    if not checks.check(rc == 0 and len(docs) == 1, f"kmem -c: rc {rc} {err.strip()[:300]}"):
        return checks.finish()
    doc = docs[0]
    cls = {c["class"]: c["pages"] for c in doc["classes"]}
    checks.check(list(cls) == CLASSES, f"classes {list(cls)}")
    check_frames(checks, truth, doc, cls)
    check_meminfo(checks, truth, doc, cls, drift)
    check_vmstat(checks, truth, doc, drift)
    check_stacks(checks, a, truth, doc, cls, drift)
    check_blk_mq(checks, truth, cls, drift)
    pcp = next(r for r in doc["reconcile"] if r["classes"] == "percpu_free")
    checks.check(pcp["difference"] == 0, f"percpu_free {pcp['census']} != per_cpu_pages.count {pcp['counter_pages']}")
    check_shmfile(checks, truth, doc)
    check_deleted_files(checks, truth, doc)
    check_map(checks, a, truth)
    if a.rsvg_convert:
        check_svg(checks, a, truth)
    check_refused(checks, a, (("kmem -c --svg", "usage"), ("kmem -c --svg /nonexistent/census.svg", "No such file"),
                              ("kmem -c --task 1", "give --svg FILE too")))
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
