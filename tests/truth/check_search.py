#!/usr/bin/env python3
"""search against what the guest wrote and recorded:
  - the deadbeef workload's stack variable (truth/workloads) is found by `search -u deadbeef` at its
    virtual address, with the physical address its pagemap gives; `search -p` finds it at that
    physical address, and `search -k` at its direct-map alias PAGE_OFFSET + physical when the frame
    is in low memory (the DMA and Normal zones of /proc/zoneinfo);
  - the heap workload filled page i of its region with the word tag ^ (i * 0x01010101) (the guest's
    workload.c): a search for that word finds exactly the 1024 words of page i inside the region,
    each at the physical address pagemap gives; with -m the masked bits do not matter; -h finds the
    word's upper half at every word's second half; -s/-l keep every match inside the range;
  - `search -k -c "Linux version"` finds linux_banner at its /proc/kallsyms address;
  - an empty range and a -u search with no task are refused with one line.

usage: check_search.py KSLEUTH SAMPLE_DIR DUMP [--cache-dir DIR]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kstruth import Checks, Truth, check_refused, run_ksleuth, sample_args  # noqa: E402

PAGE = 4096


def after_set(docs, n):
    """The documents of the n commands after `set PID` (set itself may print one or none)."""
    return docs[-n:] if len(docs) >= n else None


def matches(doc):
    return [(int(m["vaddr"], 16) if m["vaddr"] else None, int(m["paddr"], 16), m["value"]) for m in doc.get("matches", [])]


def small(truth):
    """A sample whose memory a whole search reads in a few seconds, even under a sanitizer."""
    return truth.present_pages() <= 65536


def lowmem_pages(truth):
    zones = truth.zoneinfo()
    return sum(zones[z]["spanned"] for z in ("DMA", "Normal") if z in zones)


def check_deadbeef(checks, a, truth, w):
    pid, var = int(w["pid"]), int(w["stack_var"], 16)
    frame = dict(truth.pagemap(pid))[var & ~(PAGE - 1)]
    paddr = frame * PAGE + (var & (PAGE - 1))
    page_offset = int(truth.config("PAGE_OFFSET"), 16)
    # Whole kernel memory on the small samples; around the direct-map alias on the large ones (a
    # test is no benchmark: bench/run.sh times the whole-memory search).
    alias = page_offset + paddr
    kernel = "search -k deadbeef" if small(truth) else f"search -k -s {alias - 0x100000:x} -l 200000 deadbeef"
    cmds = [f"set {pid}", "search -u deadbeef", f"search -p -s {paddr - 0x100000:x} -l 200000 deadbeef", kernel]
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, cmds, cache_dir=a.cache_dir)
    docs = after_set(docs, 3)
    if not checks.check(rc == 0 and docs, f"deadbeef searches: rc {rc} {err.strip()[:300]}"):
        return
    user, phys, kern = (matches(d) for d in docs)
    checks.check((var, paddr, "0xdeadbeef") in user, f"search -u: {var:#x} -> {paddr:#x} not in {user[:8]}")
    checks.check((None, paddr, "0xdeadbeef") in phys, f"search -p: {paddr:#x} not in {phys[:8]}")
    if frame < lowmem_pages(truth):
        checks.check((alias, paddr, "0xdeadbeef") in kern, f"search -k: {alias:#x} not in {kern[:8]}")
    checks.check(all(m[2] == "0xdeadbeef" for m in user + phys + kern), "a match of another value")


def heap_word(tag, i):
    return tag ^ (i * 0x01010101)


def check_heap(checks, a, truth, w):
    pid, base, pages, tag = int(w["pid"]), int(w["base"], 16), int(w["pages"]), int(w["tag"], 16)
    frames = dict(truth.pagemap(pid))
    wanted = [i for i in (0, 1, pages // 2, pages - 1) if base + i * PAGE in frames]
    cmds = [f"set {pid}"]
    for i in wanted:
        v = heap_word(tag, i)
        cmds += [f"search -u {v:x}", f"search -u -m ffff {v ^ 0x1234:x}", f"search -u -h -s {base + i * PAGE:x} -l 1000 {v >> 16:x}"]
    # A range that starts and ends inside a page: only the words in it.
    cmds.append(f"search -u -s {base + 8:x} -l 8 {heap_word(tag, 0):x}")
    cmds.append(f"search -u -s {base:x} -l {pages * PAGE:x} {heap_word(tag, 0):x}")
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, cmds, cache_dir=a.cache_dir)
    docs = after_set(docs, len(cmds) - 1)
    if not checks.check(rc == 0 and docs, f"heap searches: rc {rc} {err.strip()[:300]}"):
        return
    checks.check(len(wanted) >= 3, f"only {len(wanted)} heap pages resident")
    for n, i in enumerate(wanted):
        page = base + i * PAGE
        frame = frames[page]
        want = [(page + 4 * j, frame * PAGE + 4 * j) for j in range(PAGE // 4)]
        for what, doc in (("", docs[3 * n]), ("-m ffff ", docs[1 + 3 * n])):
            got = [(v, p) for v, p, _ in matches(doc) if base <= v < base + pages * PAGE]
            checks.check(got == want, f"search -u {what}heap page {i}: {len(got)} matches, first {got[:2]}, want {want[:2]}")
        halves = [(v, p) for v, p, _ in matches(docs[2 + 3 * n])]
        checks.check(halves == [(v + 2, p + 2) for v, p in want], f"search -u -h page {i}: {len(halves)} matches {halves[:2]}")
    inside = [v for v, _, _ in matches(docs[-2])]
    checks.check(inside == [base + 8, base + 12], f"search -s base+8 -l 8: {[hex(v) for v in inside]}")
    ranged = matches(docs[-1])
    checks.check(len(ranged) == PAGE // 4 and all(base <= v < base + pages * PAGE for v, _, _ in ranged),
                 f"search -s/-l: {len(ranged)} matches, some outside the region")


def check_banner(checks, a, truth):
    banner = next(int(line.split()[0], 16) for line in truth.text("kallsyms").splitlines() if line.split()[2] == "linux_banner")
    where = "" if small(truth) else f"-s {banner - 0x100000:x} -l 200000 "
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, [f'search -k {where}-c "Linux version"'], cache_dir=a.cache_dir)
    found = [v for v, _, _ in matches(docs[0])] if docs else []
    checks.check(rc == 0 and banner in found, f"search -c: linux_banner {banner:#x} not in {[hex(v) for v in found[:8]]}")


def check_refusals(checks, a):
    check_refused(checks, a, (("search -s c0001000 -e c0000000 1", "empty range"), ("search -u 1", "set PID")))


def main():
    a = sample_args(__doc__)
    truth = Truth(a.sample)
    checks = Checks(f"search {os.path.basename(a.sample)}")
    by_mode = {w["mode"]: w for w in truth.workloads()}
    check_deadbeef(checks, a, truth, by_mode["deadbeef"])
    if "heap" in by_mode:  # a diff pair's state B has none: its heap workload exited (truth/phase)
        check_heap(checks, a, truth, by_mode["heap"])
    check_banner(checks, a, truth)
    check_refusals(checks, a)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
