#!/usr/bin/env python3
"""kmem -t against the guest's own histogram of /proc/kpageflags (truth/kpageflags, written by a
small guest program just before the capture: one line `0x%016llx PAGES MAPCOUNT_SUM` per distinct
64-bit word, MAPCOUNT_SUM the summed /proc/kpagecount of those frames; a first `#` comment line):
  - the frames add up to the same total exactly (0 to max_pfn: a static fact);
  - with KPF_MMAP folded in, every word's page count within the drift dumps/README.md documents
    for counters read a moment before the capture (check_mem.BEFORE_CAPTURE, or AFTER_CRASH);
  - every word as it is, pages and summed mapcount, within twice that drift: the shell recording
    the truth, its subshells and cat all map the busybox binary's shared page cache, and the shell
    execs the idle program after the last file, so whether those few hundred pages are mapped
    (KPF_MMAP) and how often (kpagecount) moves with the readers (state B of the diff pair
    measured 563 pages leaving MMAP, state A a mapcount sum 531 higher in the guest's record);
  - the words' names are the KPF names of their bits.

usage: check_kpageflags.py KSLEUTH SAMPLE_DIR DUMP [--cache-dir DIR]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_mem import AFTER_CRASH, BEFORE_CAPTURE, near  # noqa: E402
from kstruth import Checks, Truth, run_ksleuth, sample_args  # noqa: E402

# include/uapi/linux/kernel-page-flags.h
KPF = {0: "LOCKED", 1: "ERROR", 2: "REFERENCED", 3: "UPTODATE", 4: "DIRTY", 5: "LRU", 6: "ACTIVE", 7: "SLAB",
       8: "WRITEBACK", 9: "RECLAIM", 10: "BUDDY", 11: "MMAP", 12: "ANON", 13: "SWAPCACHE", 14: "SWAPBACKED",
       15: "COMPOUND_HEAD", 16: "COMPOUND_TAIL", 17: "HUGE", 18: "UNEVICTABLE", 19: "HWPOISON", 20: "NOPAGE",
       21: "KSM", 22: "THP", 23: "OFFLINE", 24: "ZERO_PAGE", 25: "IDLE", 26: "PGTABLE", 32: "RESERVED",
       33: "MLOCKED", 34: "MAPPEDTODISK", 35: "PRIVATE", 36: "PRIVATE_2", 37: "OWNER_PRIVATE", 38: "ARCH",
       39: "UNCACHED", 40: "SOFTDIRTY", 41: "ARCH_2"}


def truth_histogram(truth):
    out = {}
    for line in truth.text("kpageflags").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        word, pages, mapcount = line.split()[:3]
        out[int(word, 16)] = (int(pages), int(mapcount))
    return out


def names_of(word):
    return [KPF.get(b, f"BIT{b}") for b in range(64) if word >> b & 1]


def main():
    a = sample_args(__doc__)
    truth = Truth(a.sample)
    drift = AFTER_CRASH if truth.captured_after_crash() else BEFORE_CAPTURE
    checks = Checks(f"kpageflags {os.path.basename(a.sample)}")
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, ["kmem -t"], cache_dir=a.cache_dir)
    if not checks.check(rc == 0 and len(docs) == 1, f"kmem -t: rc {rc} {err.strip()[:300]}"):
        return checks.finish()
    mine = {int(r["kpf"], 16): (r["pages"], r["mapcount"]) for r in docs[0]["flags"]}
    for r in docs[0]["flags"]:
        checks.check(r["names"] == names_of(int(r["kpf"], 16)), f"{r['kpf']}: names {r['names']}")
    theirs = truth_histogram(truth)
    checks.check(sum(p for p, _ in mine.values()) == sum(p for p, _ in theirs.values()),
                 f"frames: kmem -t {sum(p for p, _ in mine.values())}, kpageflags {sum(p for p, _ in theirs.values())}")
    readers = 2 * drift.pages
    for word in sorted(set(mine) | set(theirs)):
        (p1, m1), (p2, m2) = mine.get(word, (0, 0)), theirs.get(word, (0, 0))
        what = f"{word:#018x} {'|'.join(names_of(word))}: kmem -t {p1} pages (mapcount {m1}), guest {p2} ({m2})"
        checks.check(near(p1, p2, drift, floor=readers) and near(m1, m2, drift, floor=readers), what)
    folded_mine, folded_theirs = fold_mmap(mine), fold_mmap(theirs)
    for word in sorted(set(folded_mine) | set(folded_theirs)):
        p1, p2 = folded_mine.get(word, 0), folded_theirs.get(word, 0)
        checks.check(near(p1, p2, drift), f"{word:#018x} (MMAP folded) {'|'.join(names_of(word))}: kmem -t {p1}, guest {p2}")
    return checks.finish()


def fold_mmap(hist):
    out = {}
    for word, (pages, _) in hist.items():
        key = word & ~(1 << 11)
        out[key] = out.get(key, 0) + pages
    return out


if __name__ == "__main__":
    sys.exit(main())
