#!/usr/bin/env python3
"""diff between two captures, against what the guest and the recipe say changed between them.

  same instant (SAMPLE_DIR with DUMP_A and DUMP_B, two of QEMU's captures of one stop, e.g.
  dump.kdump and dump.elf): nothing changed — no process gone, new or moved, every census class,
  free-block count and slab cache the same;

  a diff pair (--after DIR: state B, whose truth/phase the guest wrote after state A was captured:
  "exited_pid=N mode=heap ..." and "fragmenter_pid=P freed_pages=F ..."):
  - the process that exited is gone, with the RSS its state-A /proc/PID/status gave (VmRSS);
  - every workload of state B's truth/workloads is in both dumps, none gone or new;
  - the fragmenter's RSS is state A's VmRSS in A and state B's in B (both exact), and it fell by
    the F pages it unmapped, less the few it touched while saying so (its stdio buffer for the
    phase file: the recipe's B measured 1023 of 1024), at most RELEASE_PAGES;
  - the free class grew as MemFree did between the two truths, and anon shrank as AnonPages did,
    within the drift dumps/README.md documents (check_mem.BEFORE_CAPTURE, counted for each side).

The command line's `ksleuth --json --diff DUMP_A DUMP_B VMLINUX` (with the pair) prints the same
document as the diff command, and is held to the same facts; batch exit codes as README says: 3 for
a DUMP_B that does not exist, 2 for --diff without three files.

Refused with one line: a dump that does not exist, no dump at all.

usage: check_diff.py KSLEUTH SAMPLE_DIR DUMP_A DUMP_B [--after SAMPLE_B_DIR] [--cache-dir DIR]
"""
import argparse
import json
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_mem import BEFORE_CAPTURE, near  # noqa: E402
from kstruth import Checks, Truth, check_refused, run_ksleuth  # noqa: E402


RELEASE_PAGES = 4  # pages the fragmenter may touch while releasing (stdio buffer, stack)


def args():
    p = argparse.ArgumentParser(description=__doc__)
    for name in ("ksleuth", "sample", "dump_a", "dump_b"):
        p.add_argument(name)
    p.add_argument("--after")
    p.add_argument("--cache-dir")
    a = p.parse_args()
    a.vmlinux = os.path.join(a.sample, "vmlinux")
    return a


def kb(text):
    return int(text.split()[0])


def phase(truth):
    out = {}
    for line in truth.text("phase").splitlines():
        out.update(dict(w.split("=", 1) for w in line.split() if "=" in w))
    return out


def check_same(checks, doc):
    checks.check(doc["tasks"] == [], f"same instant: processes changed {doc['tasks'][:4]}")
    for c in doc["classes"]:
        checks.check(c["difference"] == 0, f"same instant: class {c['class']} {c['pages_a']} -> {c['pages_b']}")
    for o in doc["free_blocks"]:
        checks.check(o["difference"] == 0, f"same instant: order {o['order']} {o['blocks_a']} -> {o['blocks_b']}")
    checks.check(doc["slab_caches"] == [], f"same instant: slab caches changed {doc['slab_caches'][:4]}")


def check_pair(checks, a_truth, b_truth, doc):
    ph = phase(b_truth)
    rows = {(t["change"], t["pid"]): t for t in doc["tasks"]}
    exited = int(ph["exited_pid"])
    gone = rows.get(("gone", exited))
    if checks.check(gone is not None, f"exited PID {exited} not gone: {sorted(rows)[:8]}"):
        want = kb(a_truth.status(exited)["VmRSS"])
        checks.check(gone["rss_kb_a"] == want, f"gone PID {exited} RSS {gone['rss_kb_a']} != state A VmRSS {want}")
    for w in b_truth.workloads():
        pid = int(w["pid"])
        checks.check(("gone", pid) not in rows and ("new", pid) not in rows, f"workload {pid} ({w['mode']}) came or went")
    frag, freed = int(ph["fragmenter_pid"]), int(ph["freed_pages"])
    moved = rows.get(("moved", frag))
    if checks.check(moved is not None, f"fragmenter {frag} did not move"):
        drop = (moved["rss_kb_a"] - moved["rss_kb_b"]) // 4
        checks.check(freed - RELEASE_PAGES <= drop <= freed, f"fragmenter RSS fell {drop} pages, freed {freed}")
        for side, t in (("a", a_truth), ("b", b_truth)):
            want = kb(t.status(frag)["VmRSS"])
            checks.check(moved[f"rss_kb_{side}"] == want, f"fragmenter RSS {side} {moved[f'rss_kb_{side}']} != VmRSS {want}")
    classes = {c["class"]: c for c in doc["classes"]}
    ma, mb = a_truth.meminfo(), b_truth.meminfo()
    twice = 2 * BEFORE_CAPTURE.pages
    for cls, key in (("free", "MemFree"), ("anon", "AnonPages")):
        got, want = classes[cls]["difference"], mb[key] - ma[key]
        checks.check(near(got, want, floor=twice), f"{cls} moved {got} pages, meminfo {key} moved {want}")


def run_cli(a, files):
    """`ksleuth --json --diff FILES...`: (rc, [JSON docs], stderr)."""
    env = dict(os.environ)
    if a.cache_dir:
        env["KSLEUTH_CACHE_DIR"] = a.cache_dir
    p = subprocess.run([a.ksleuth, "--json", "--diff"] + files, capture_output=True, text=True, env=env, timeout=600)
    docs = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    return p.returncode, docs, p.stderr


def check_cli(checks, a, repl_doc, a_truth, b_truth):
    """--diff on the command line: the pair's facts again, and the exit codes README gives."""
    rc, docs, err = run_cli(a, [a.dump_a, a.dump_b, a.vmlinux])
    if checks.check(rc == 0 and len(docs) == 1, f"--diff: rc {rc} {err.strip()[:300]}"):
        check_pair(checks, a_truth, b_truth, docs[0])
        checks.check(docs[0] == repl_doc, "--diff printed another document than the diff command")
    rc, docs, err = run_cli(a, [a.dump_a, "/nonexistent/dump", a.vmlinux])
    checks.check(rc == 3 and not docs and "No such file" in err, f"--diff with a missing DUMP_B: rc {rc} {err.strip()}")
    rc, docs, err = run_cli(a, [a.dump_a, a.vmlinux])
    checks.check(rc == 2 and not docs, f"--diff with two files: rc {rc} {err.strip()}")


def main():
    a = args()
    checks = Checks(f"diff {os.path.basename(a.sample)}")
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump_a, [f"diff {a.dump_b}"], cache_dir=a.cache_dir)
    if not checks.check(rc == 0 and len(docs) == 1, f"diff: rc {rc} {err.strip()[:300]}"):
        return checks.finish()
    if a.after:
        check_pair(checks, Truth(a.sample), Truth(a.after), docs[0])
        check_cli(checks, a, docs[0], Truth(a.sample), Truth(a.after))
    else:
        check_same(checks, docs[0])
    a.dump = a.dump_a
    check_refused(checks, a, (("diff /nonexistent/dump", "No such file"), ("diff", "usage")))
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
