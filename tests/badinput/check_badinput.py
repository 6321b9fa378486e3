#!/usr/bin/env python3
"""Bad input is normal input: every case of cases.tsv must end with its documented exit status and
error line, no signal, no sanitizer report, within the time guard — and the dump must be unchanged
(it is opened read-only; derived inputs are also made read-only before the run). A case may add
columns: regular expressions (multi-line) its standard output must match, for walks that go on past
what they cannot read; an expected error of "-" means no error line at all.

  check_badinput.py KSLEUTH DUMPS UNPACKED WORKDIR [--cache-dir DIR] [--only NAME...]"""
import argparse
import hashlib
import os
import re
import stat
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "truth"))
from kstruth import Checks  # noqa: E402
from make_inputs import make  # noqa: E402

HANG_GUARD = 120   # seconds; a hang, not a timing: timings live in bench/


def digest(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def main():
    ap = argparse.ArgumentParser()
    for name in ("ksleuth", "dumps", "unpacked", "work"):
        ap.add_argument(name)
    ap.add_argument("--cache-dir")
    ap.add_argument("--only", nargs="+", help="run only these cases (while working on them)")
    a = ap.parse_args()
    here = os.path.dirname(os.path.abspath(__file__))
    top = os.path.dirname(a.dumps)
    c = Checks("badinput")
    env = dict(os.environ, KSLEUTH_CACHE_DIR=a.cache_dir or os.path.join(a.work, "cache"))
    for line in open(os.path.join(here, "cases.tsv")):
        if line.startswith("#") or not line.strip():
            continue
        name, inp, vml, opts, cmds, want_rc, want_err, *want_out = line.rstrip("\n").split("\t")
        if a.only and name not in a.only:
            continue
        path = make(inp[1:], a.dumps, a.unpacked, a.work) if inp.startswith("@") else \
            os.path.join(here, inp) if os.path.exists(os.path.join(here, inp)) else os.path.join(top, inp)
        vmlinux = make(vml[1:], a.dumps, a.unpacked, a.work) if vml.startswith("@") else os.path.join(a.dumps, vml, "vmlinux")
        if inp.startswith("@"):
            os.chmod(path, stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        before = digest(path)
        args = [a.ksleuth] + ([] if opts == "-" else opts.split()) + ["-c", cmds, vmlinux, path]
        try:
            p = subprocess.run(args, capture_output=True, text=True, timeout=HANG_GUARD, env=env)
        except subprocess.TimeoutExpired:
            c.check(False, f"{name}: still running after {HANG_GUARD} s (an unbounded walk?)")
            continue
        err_lines = [l for l in p.stderr.splitlines() if l.strip()]
        c.check(p.returncode == int(want_rc), f"{name}: exit status {p.returncode}, expected {want_rc}; stderr: {p.stderr.strip()[:300]}")
        if want_err == "-":
            c.check(not err_lines, f"{name}: error lines where none was expected: {err_lines[:3]}")
        else:
            c.check(any(want_err in l for l in err_lines), f"{name}: no stderr line says {want_err!r}: {err_lines[:3]}")
        for pattern in want_out:
            c.check(re.search(pattern, p.stdout, re.M), f"{name}: no output matches {pattern!r}: {p.stdout[-600:]!r}")
        c.check(not any(w in p.stderr for w in ("AddressSanitizer", "runtime error", "LeakSanitizer", "Segmentation")),
                f"{name}: sanitizer or crash report: {p.stderr.strip()[:300]}")
        if want_rc == "3":
            c.check(len(err_lines) == 1, f"{name}: {len(err_lines)} stderr lines for a start-up failure, expected one: {err_lines}")
        if want_rc == "1" and ";" not in cmds and "|" not in cmds:
            # A lone failing command says why in one line and shows nothing in place of what it could not read.
            c.check(len(err_lines) == 1, f"{name}: {len(err_lines)} stderr lines, expected one: {err_lines}")
            c.check(not p.stdout.strip(), f"{name}: the failed command still printed: {p.stdout[:300]!r}")
        if want_rc == "1" and cmds.rstrip().endswith("; sys"):
            # A failed command leaves the session usable: the `sys` after it still answers — with its
            # report, or, where what it counts is what is broken, with the same documented error.
            answered = "RELEASE:" in p.stdout or '"release":' in p.stdout or any(l.startswith("sys: ") and want_err in l for l in err_lines)
            c.check(answered, f"{name}: the command after the failure did not run: {p.stdout[-300:]!r} {err_lines[-1:]}")
        c.check(digest(path) == before, f"{name}: the dump changed")
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
