#!/usr/bin/env python3
"""Check ksleuth on one committed sample dump against that sample's truth.

  check_sample.py KSLEUTH SAMPLE_DIR DUMPFILE [--raw] [--other-vmlinux PATH]

Everything compared here came from outside ksleuth: the guest's /proc files and dmesg recorded just
before the capture, and QEMU's gva2gpa / xp / registers recorded with the guest stopped.

A sample captured after the crash (Truth.captured_after_crash: QEMU stopped a machine left hanging
in panic(), its /proc truth recorded before the crash) has its moving memory counters (meminfo,
zoneinfo, buddyinfo, slabinfo) compared within check_mem.AFTER_CRASH instead of BEFORE_CAPTURE; the
exact facts (QEMU's translations and words, pagemaps, maps, tasks, the log prefix, zone sizes,
pageblocks, slab geometry) stay exact."""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import check_mem  # noqa: E402
from kstruth import Checks, Truth, elf_symbol_bytes, run_ksleuth  # noqa: E402


def banner_checks(c, t, vmlinux):
    banner = elf_symbol_bytes(vmlinux, "linux_banner", 400).split(b"\0")[0].decode().rstrip("\n")
    first = next(l for l in t.dmesg() if "Linux version" in l)
    c.check(first.split("] ", 1)[1] == banner, f"guest's dmesg banner differs from vmlinux's: {first!r} vs {banner!r}")
    return banner


def sys_checks(c, t, doc):
    c.check(doc.get("release") == t.release(), f"sys release {doc.get('release')} != uname {t.release()}")
    c.check(doc.get("cpus") == t.cpus(), f"sys cpus {doc.get('cpus')} != {t.cpus()} (cpuhp threads in ps)")
    want = t.present_pages() * 4096
    c.check(doc.get("memory_bytes") == want, f"sys memory_bytes {doc.get('memory_bytes')} != zoneinfo present {want}")
    pae = "pae" in open(os.path.join(os.path.dirname(t.dir), "version")).read()
    c.check(doc.get("pae") == pae, f"sys pae {doc.get('pae')} but version says {pae}")
    # QEMU captures carry QEMU's per-CPU notes: their CR3 must be what its monitor showed.
    if "QEMU" in doc.get("format", "") or "flattened" in doc.get("format", ""):
        want = [hex(int(v, 16)) for v in re.findall(r"CR3=([0-9a-f]+)", t.text("qemu/info-registers"))]
        c.check(doc.get("cr3") == want, f"sys cr3 {doc.get('cr3')}, QEMU info registers {want}")


# busybox ps STAT letter -> crash's state code
STATE = {"R": "RU", "S": "IN", "D": "UN", "T": "ST", "t": "TR", "Z": "ZO", "X": "DE", "P": "PA", "I": "ID"}


def ps_checks(c, t, doc):
    """Workloads exactly (PID, PPID, COMM, state, VSZ/RSS from /proc/PID/status); every other task the
    guest listed that is still meant to be there (kernel threads but kworkers, which come and go) by
    PID, PPID and COMM."""
    tasks = {x["pid"]: x for x in doc.get("tasks", []) if x["pid"]}
    workload_pids = {int(w["pid"]) for w in t.workloads()}
    for pid, ppid, stat, comm in t.ps():
        if pid not in workload_pids and (ppid != 2 or comm.startswith("kworker")):
            continue
        got = tasks.get(pid)
        if not c.check(got is not None, f"ps: PID {pid} ({comm}) missing"):
            continue
        c.check(got["ppid"] == ppid, f"ps: PID {pid} PPID {got['ppid']}, guest says {ppid}")
        c.check(comm.startswith(got["comm"][:15]), f"ps: PID {pid} COMM {got['comm']!r}, guest says {comm!r}")
        if pid in workload_pids:
            st = t.status(pid)
            c.check(got["state"] == STATE[stat[0]], f"ps: PID {pid} state {got['state']}, guest says {stat}")
            c.check(f"{got['vsz_kb']} kB" == st["VmSize"].strip(), f"ps: PID {pid} VSZ {got['vsz_kb']}, status {st['VmSize']}")
            c.check(f"{got['rss_kb']} kB" == st["VmRSS"].strip(), f"ps: PID {pid} RSS {got['rss_kb']}, status {st['VmRSS']}")


def task_slab_checks(c, a, vmlinux, tasks_doc):
    """Every task but the static init_task is a task_struct object of the task_struct slab cache,
    allocated, at exactly its own address: mem_map, compound pages and SLUB geometry must all agree."""
    tasks = [x for x in tasks_doc.get("tasks", []) if x["pid"] or x["cpu"]][:40]
    rc, docs, err = run_ksleuth(a.ksleuth, vmlinux, a.dump, [f"kmem {x['task'][2:]}" for x in tasks], raw=a.raw, cache_dir=a.cache_dir)
    c.check(rc == 0 and len(docs) == len(tasks), f"kmem on task addresses failed: {err.strip()[:300]}")
    bad = [(x["pid"], d.get("cache"), d.get("object")) for x, d in zip(tasks, docs)
           if (d.get("state"), d.get("cache"), d.get("object"), d.get("object_free")) != ("slab", "task_struct", x["task"], False)]
    c.check(not bad and tasks, f"tasks not found as their own task_struct slab objects: {bad[:3]}")


def vm_checks(c, t, pid, doc):
    want = t.maps(pid)
    got = [(int(v["start"], 16), int(v["end"], 16), v["perms"], int(v["offset"], 16), v["file"] or "")
           for v in doc.get("vmas", [])]
    c.check(len(got) == len(want), f"vm {pid}: {len(got)} VMAs, maps has {len(want)}")
    bad = [(g, w) for g, w in zip(got, want) if g != w]
    c.check(not bad, f"vm {pid}: first difference from /proc/{pid}/maps: {bad[:1]}")
    st = t.status(pid)
    c.check(f"{doc.get('total_vm_kb')} kB" == st["VmSize"].strip(), f"vm {pid}: TOTAL_VM {doc.get('total_vm_kb')}, status {st['VmSize']}")


def sparse_hole_checks(c, t, a, vmlinux):
    """Every frame of System RAM has a struct page; a section with no RAM has none (one run per
    probe, so that one failing command cannot hide another)."""
    for pa, has_page in check_mem.hole_probes(t):
        rc, docs, err = run_ksleuth(a.ksleuth, vmlinux, a.dump, [f"kmem -p {pa:x}"], raw=a.raw, cache_dir=a.cache_dir)
        if has_page:
            pages = docs[0].get("pages", []) if docs else []
            c.check(rc == 0 and len(pages) == 1 and int(pages[0].get("paddr", "0x1"), 16) == pa,
                    f"kmem -p {pa:#x} (System RAM): rc {rc}, {docs} {err.strip()}")
        else:
            c.check(rc == 1 and "memory hole" in err, f"kmem -p {pa:#x} (no RAM in its section): rc {rc}, {err.strip()}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ksleuth")
    ap.add_argument("sample_dir")
    ap.add_argument("dump")
    ap.add_argument("--raw", action="store_true")
    ap.add_argument("--other-vmlinux")
    ap.add_argument("--filtered", action="store_true",
                    help="makedumpfile -d 31 capture: process pages are excluded and must say so")
    ap.add_argument("--cache-dir")
    a = ap.parse_args()
    t = Truth(a.sample_dir)
    vmlinux = os.path.join(a.sample_dir, "vmlinux")
    c = Checks(f"{os.path.basename(a.sample_dir)}/{os.path.basename(a.dump)}")
    drift = check_mem.AFTER_CRASH if t.captured_after_crash() else check_mem.BEFORE_CAPTURE
    print(f"memory counters: truth {drift.why}")
    banner = banner_checks(c, t, vmlinux)

    cmds, expect = ["sys", "rd -8 linux_banner 400"], [("sys", None), ("banner", None)]
    for va, pa, what in t.gva2gpa():
        cmds.append(f"vtop {va:x}")
        expect.append(("vtop", (va, pa, what)))
    for pa, words, what in t.xp():
        cmds.append(f"rd -p {pa:x} 4")
        user_page = what.startswith("pid ")
        expect.append(("excluded" if a.filtered and user_page else "rd", (pa, words, what)))
    for w in t.workloads():
        pid = int(w["pid"])
        for va, pfn in t.pagemap(pid):
            cmds.append(f"vtop -c {pid} {va:x}")
            expect.append(("uvtop", (pid, va, pfn)))
        if w["mode"] == "deadbeef":
            cmds += [f"set {pid}", f"rd -u {w['stack_var']} 1"]
            expect += [("set", int(pid)), ("excluded" if a.filtered else "deadbeef", w)]
    cmds.append("log")
    expect.append(("log", None))
    cmds.append("ps")
    expect.append(("ps", None))
    for cmd in ("kmem -i", "kmem -z", "kmem -f", "frag", "kmem -s", "kmem -n"):
        cmds.append(cmd)
        expect.append((cmd, None))
    # Reverse mapping against pagemap: a page the COW child did not rewrite is mapped by both.
    ws = {w["mode"]: w for w in t.workloads()}
    if "cow-parent" in ws and "cow-child" in ws:
        parent, child = int(ws["cow-parent"]["pid"]), int(ws["cow-child"]["pid"])
        base = int(ws["cow-parent"]["base"], 16)
        pp, cp = dict(t.pagemap(parent)), dict(t.pagemap(child))
        for i in (1, 2, 3):
            va = base + i * 4096
            if va in pp and va in cp:
                cmds.append(f"kmem {cp[va] << 12:x}")
                expect.append(("kmem-addr", (va, {child} | ({parent} if pp[va] == cp[va] else set()), i)))
    for w in t.workloads():
        cmds.append(f"vm {w['pid']}")
        expect.append(("vm", int(w["pid"])))

    rc, docs, err = run_ksleuth(a.ksleuth, vmlinux, a.dump, cmds, raw=a.raw, cache_dir=a.cache_dir)
    # A filtered dump fails, by design, the reads of excluded pages (batch exit status 1).
    c.check(rc == (1 if a.filtered else 0), f"ksleuth exit status {rc}: {err.strip()[:500]}")
    # Every command prints exactly one JSON document.
    if not c.check(len(docs) == len(expect), f"{len(docs)} JSON documents for {len(expect)} commands"):
        return c.finish()

    tasks_doc, kmemf_doc = {}, {}
    maps_cache = {}

    def maps_of(pid):
        if pid not in maps_cache:
            maps_cache[pid] = t.maps(pid)
        return maps_cache[pid]
    for (kind, want), doc in zip(expect, docs):
        if kind == "sys":
            sys_checks(c, t, doc)
        elif kind == "banner":
            text = bytes(int(v, 16) for v in doc["values"]).split(b"\0")[0].decode(errors="replace").rstrip("\n")
            c.check(text == banner, f"rd -a linux_banner: {text!r}")
        elif kind == "vtop":
            va, pa, what = want
            c.check(doc.get("paddr") == hex(pa), f"vtop {va:#x} ({what}) = {doc.get('paddr')}, QEMU gva2gpa says {pa:#x}")
        elif kind == "rd":
            pa, words, what = want
            got = [int(v, 16) for v in doc.get("values", [])]
            c.check(got == words, f"rd -p {pa:#x} ({what}) = {[hex(x) for x in got]}, QEMU xp says {[hex(x) for x in words]}")
        elif kind == "uvtop":
            pid, va, pfn = want
            c.check(doc.get("paddr") == hex((pfn << 12) | (va & 0xfff)),
                    f"vtop -c {pid} {va:#x} = {doc.get('paddr')}, pagemap says pfn {pfn:#x}")
            region = next(((s_, e) for s_, e, *_ in maps_of(pid) if s_ <= va < e), None)
            vma = doc.get("vma") or {}
            c.check(region is not None and (int(vma.get("start", "0x1"), 16), int(vma.get("end", "0x0"), 16)) == region,
                    f"vtop -c {pid} {va:#x}: VMA {vma.get('start')}-{vma.get('end')}, maps says {region}")
        elif kind == "excluded":
            c.check("excluded by makedumpfile's dump level" in doc.get("error", ""),
                    f"a process page read from a filtered dump: {doc}")
        elif kind == "set":
            c.check(doc.get("pid") == want, f"set {want}: {doc}")
        elif kind == "deadbeef":
            c.check(doc.get("values") == ["0xdeadbeef"], f"rd -u {want['stack_var']} in PID {want['pid']} = {doc.get('values')}")
        elif kind == "ps":
            ps_checks(c, t, doc)
            tasks_doc = doc
        elif kind == "kmem -i":
            check_mem.kmem_i(c, t, doc, drift)
        elif kind == "kmem -z":
            check_mem.kmem_z(c, t, doc, drift)
        elif kind == "kmem -f":
            check_mem.kmem_f(c, t, doc, drift)
            kmemf_doc = doc
        elif kind == "frag":
            check_mem.frag(c, t, doc, kmemf_doc, drift)
        elif kind == "kmem -s":
            check_mem.kmem_s(c, t, doc, drift)
        elif kind == "kmem -n":
            check_mem.kmem_n(c, t, doc)
        elif kind == "kmem-addr":
            va, pids, i = want
            got = {(m["pid"], int(m["vaddr"], 16)) for m in doc.get("mapped_by", [])}
            c.check(doc.get("state") == "mapped" and got == {(p, va) for p in pids},
                    f"kmem of the COW page {i} at {va:#x}: mapped by {sorted(got)}, pagemap says PIDs {sorted(pids)}")
        elif kind == "vm":
            vm_checks(c, t, want, doc)
        elif kind == "log":
            got = [f"[{r['ts_nsec'] // 10**9:5d}.{r['ts_nsec'] % 10**9 // 1000:06d}] {line}"
                   for r in doc.get("records", []) for line in r["text"].split("\n")]
            want_lines = t.dmesg()
            # The dump may hold later records (the panic, for kdump); the truth must be its prefix.
            c.check(got[:len(want_lines)] == want_lines,
                    f"log differs from the guest's dmesg (first difference at line "
                    f"{next((i for i, (x, y) in enumerate(zip(got, want_lines)) if x != y), min(len(got), len(want_lines)))})")

    task_slab_checks(c, a, vmlinux, tasks_doc)
    if t.config("SPARSEMEM") == "y":
        sparse_hole_checks(c, t, a, vmlinux)
    if a.other_vmlinux:
        rc, _, err = run_ksleuth(a.ksleuth, a.other_vmlinux, a.dump, ["sys"], raw=a.raw, cache_dir=a.cache_dir)
        c.check(rc == 3 and "do not match" in err, f"another kernel's vmlinux was accepted (rc {rc}, {err.strip()})")
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
