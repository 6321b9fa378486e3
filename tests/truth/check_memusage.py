#!/usr/bin/env python3
"""ps -m and vm -m against what the guest said about each workload process:
  - /proc/PID/status (every sample): rss_kb = VmRSS, anon_kb = RssAnon, file_kb = RssFile,
    shmem_kb = RssShmem, swap_kb = VmSwap — the kernel's mm counters, exact for sleeping workloads;
  - /proc/PID/pagemap (every sample): RSS is the number of present pages the pagemap lists;
  - /proc/PID/smaps_rollup (samples recorded with it): Rss, Anonymous, Swap, and USS as
    Private_Clean + Private_Dirty, exact; Pss (the kernel's own sum) exact too when the processes
    running the workload program are the same in the guest's truth/ps and in the dump. When one
    exec'd it after the record (init's idle step: dumps/README.md), the shared text pages have one
    more mapper at the capture: PSS can then only be lower, by at most half the shared part
    (Rss - USS) / 2;
  - the cow pair (cow-parent and cow-child): in the parent's VMA holding the shared region, a page
    whose frame the child's pagemap also lists is mapped twice and counts half (PSS), a page only
    the parent maps counts whole and is unique to it (USS) — all computed from the two pagemaps;
  - vm -m: the VMAs' sums equal the address space's, and equal ps -m's row;
  - refused with one line: vm -m of a kernel thread (kthreadd, PID 2), ps -m -k, ps -m of no task.

usage: check_memusage.py KSLEUTH SAMPLE_DIR DUMP [--cache-dir DIR]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kstruth import Checks, Truth, check_refused, run_ksleuth, sample_args  # noqa: E402

PAGE = 4096
FIELDS = ("rss_kb", "pss_kb", "uss_kb", "anon_kb", "file_kb", "shmem_kb", "swap_kb")


def kb(text):
    return int(text.split()[0])


def smaps_rollup(truth, pid):
    """{key: kB} of /proc/PID/smaps_rollup, or None where the sample has none."""
    name = f"pid/{pid}/smaps_rollup"
    if not truth.exists(name):
        return None
    out = {}
    for line in truth.text(name).splitlines():
        key, _, rest = line.partition(":")
        if rest.strip().endswith("kB"):
            out[key.strip()] = kb(rest)
    return out


def workload_pids(truth):
    pids = {int(w["pid"]) for w in truth.workloads()}
    return sorted(p for p in pids if truth.exists(f"pid/{p}/status"))


def same_mappers(truth, tasks):
    """Do the guest's ps (at the record) and the dump agree on which PIDs run the workload program?"""
    recorded = {pid for pid, _, _, comm in truth.ps() if comm.split()[0].endswith("workload")}
    captured = {t["pid"] for t in tasks if t["comm"] == "workload"}
    return recorded == captured


def check_pss(checks, pid, row, roll, exact):
    mine, want = row["pss_kb"], roll["Pss"]
    if exact:
        checks.check(mine == want, f"PID {pid} pss_kb {mine} != smaps_rollup Pss {want}")
        return
    shared = (row["rss_kb"] - row["uss_kb"]) // 2
    checks.check(0 <= want - mine <= shared, f"PID {pid} pss_kb {mine}: smaps_rollup Pss {want}, shared half {shared}")


def check_status(checks, truth, rows, pid, exact_pss):
    st = truth.status(pid)
    row = rows.get(pid)
    if not checks.check(row is not None, f"ps -m: no row for PID {pid}"):
        return
    for field, key in (("rss_kb", "VmRSS"), ("anon_kb", "RssAnon"), ("file_kb", "RssFile"), ("shmem_kb", "RssShmem"),
                       ("swap_kb", "VmSwap")):
        if key in st:
            checks.check(row[field] == kb(st[key]), f"PID {pid} {field} {row[field]} != status {key} {kb(st[key])}")
    present = len(truth.pagemap(pid))
    checks.check(row["rss_kb"] == present * 4, f"PID {pid} rss_kb {row['rss_kb']} != pagemap's {present} pages")
    roll = smaps_rollup(truth, pid)
    if roll is None:
        return
    uss = roll.get("Private_Clean", 0) + roll.get("Private_Dirty", 0)
    for field, want, what in (("rss_kb", roll["Rss"], "Rss"), ("anon_kb", roll["Anonymous"], "Anonymous"),
                              ("swap_kb", roll.get("Swap", 0), "Swap"), ("uss_kb", uss, "Private_Clean+Private_Dirty")):
        checks.check(row[field] == want, f"PID {pid} {field} {row[field]} != smaps_rollup {what} {want}")
    check_pss(checks, pid, row, roll, exact_pss)


def vma_holding(doc, addr):
    for v in doc.get("vmas", []):
        if int(v["start"], 16) <= addr < int(v["end"], 16):
            return v
    return None


def check_cow(checks, truth, parent, child, base, docs):
    """The parent's VMA at base: each page the child maps at the same frame is shared by two."""
    vma = vma_holding(docs[parent], base)
    if not checks.check(vma is not None, f"vm -m {parent}: no VMA at {base:#x}"):
        return
    start, end = int(vma["start"], 16), int(vma["end"], 16)
    child_frames = {f for _, f in truth.pagemap(child)}
    mine = [f for va, f in truth.pagemap(parent) if start <= va < end]
    shared = sum(1 for f in mine if f in child_frames)
    checks.check(shared > 0, f"cow: the pagemaps show no frame shared by {parent} and {child}")
    want_pss = (len(mine) - shared) * 4 + shared * 2
    checks.check(vma["rss_kb"] == len(mine) * 4, f"cow VMA rss {vma['rss_kb']} != {len(mine)} pages")
    checks.check(vma["pss_kb"] == want_pss, f"cow VMA pss {vma['pss_kb']} != {want_pss} ({shared} of {len(mine)} pages shared)")
    checks.check(vma["uss_kb"] == (len(mine) - shared) * 4, f"cow VMA uss {vma['uss_kb']} != {(len(mine) - shared) * 4}")


def check_vm_sums(checks, rows, pid, doc):
    for f in FIELDS:
        if f == "pss_kb":
            continue  # PSS is summed in the kernel's fixed point before it is cut to KB
        total = sum(v[f] for v in doc["vmas"])
        checks.check(total == doc[f] == rows[pid][f], f"vm -m {pid} {f}: VMAs {total}, sum {doc[f]}, ps -m {rows[pid][f]}")
    checks.check(doc["pss_kb"] == rows[pid]["pss_kb"], f"vm -m {pid} pss {doc['pss_kb']} != ps -m {rows[pid]['pss_kb']}")


def main():
    a = sample_args(__doc__)
    truth = Truth(a.sample)
    checks = Checks(f"memusage {os.path.basename(a.sample)}")
    pids = workload_pids(truth)
    cmds = ["ps -u", "ps -m"] + [f"vm -m {p}" for p in pids]
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, cmds, cache_dir=a.cache_dir)
    if not checks.check(rc == 0 and len(docs) == len(cmds), f"ps -m / vm -m: rc {rc} {err.strip()[:300]}"):
        return checks.finish()
    exact_pss = same_mappers(truth, docs[0]["tasks"])
    rows = {t["pid"]: t for t in docs[1]["tasks"]}
    vm = dict(zip(pids, docs[2:]))
    for pid in pids:
        check_status(checks, truth, rows, pid, exact_pss)
        if pid in rows:
            check_vm_sums(checks, rows, pid, vm[pid])
    by_mode = {w["mode"]: w for w in truth.workloads()}
    if "cow-parent" in by_mode:
        w = by_mode["cow-parent"]
        check_cow(checks, truth, int(w["pid"]), int(w["child"]), int(w["base"], 16), vm)
    check_refused(checks, a, (("vm -m 2", "kernel thread"), ("ps -m -k", "not with -k"), ("ps -m 99999", "no such user task")))
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
