#!/usr/bin/env python3
"""Mutation test of the resolved kernel features: the truth checks must notice a wrong answer.

  check_mutation.py KSLEUTH_MUTANT SAMPLE_DIR DUMPFILE [--cache-dir DIR]

KSLEUTH_MUTANT is ksleuth built with KSLEUTH_TEST_HOOKS (the ksleuth_mutant target), the one build
that honours $KSLEUTH_FEATURE_OVERRIDE. First, unflipped, check_sample.py must pass with it (the
build is sound). Then each flip of one answer (src/kernel/features.c) must make check_sample.py
fail, and fail in the checks that depend on that answer: the guest's /proc/PID/maps for the VMA
container, its VmRSS for the RSS counters, its ps for the task state field."""
import argparse
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))

# feature -> its two answers, and a phrase that must appear in some failing check (not only the
# exit status line): the VMA container is seen by vm and vtop, the RSS counters and the task state
# field by ps (and sys, which counts tasks).
FLIPS = [
    ("vma_container", ("maple_tree", "list"), "vm"),
    ("rss_counters", ("atomic_array", "percpu"), "ps"),
    ("task_state", ("__state", "state"), "ps"),
]


def resolved(ksleuth, sample, dump, cache_dir):
    """The answers the build resolves for this kernel (sys -f --json)."""
    env = dict(os.environ)
    env.pop("KSLEUTH_FEATURE_OVERRIDE", None)
    if cache_dir:
        env["KSLEUTH_CACHE_DIR"] = cache_dir
    p = subprocess.run([ksleuth, "--json", "-c", "sys -f", os.path.join(sample, "vmlinux"), dump],
                       env=env, capture_output=True, text=True, timeout=600)
    return json.loads(p.stdout)["features"]


def run_truth(ksleuth, sample, dump, cache_dir, override):
    env = dict(os.environ)
    env.pop("KSLEUTH_FEATURE_OVERRIDE", None)
    if override:
        env["KSLEUTH_FEATURE_OVERRIDE"] = override
    cmd = [sys.executable, os.path.join(HERE, "check_sample.py"), ksleuth, sample, dump]
    if cache_dir:
        cmd += ["--cache-dir", cache_dir]
    p = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=600)
    return p.returncode, p.stdout + p.stderr


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ksleuth")
    ap.add_argument("sample_dir")
    ap.add_argument("dump")
    ap.add_argument("--cache-dir")
    a = ap.parse_args()
    failed = 0
    rc, out = run_truth(a.ksleuth, a.sample_dir, a.dump, a.cache_dir, None)
    if rc != 0:
        print(f"FAIL unflipped: the test build does not pass the truth checks (rc {rc}):\n{out[-2000:]}")
        return 1
    print("ok unflipped: truth checks pass")
    have = resolved(a.ksleuth, a.sample_dir, a.dump, a.cache_dir)
    for key, answers, phrase in FLIPS:
        if have.get(key) not in answers:
            print(f"FAIL {key}: resolved {have.get(key)!r}, expected one of {answers}")
            failed += 1
            continue
        override = f"{key}={answers[1 - answers.index(have[key])]}"
        rc, out = run_truth(a.ksleuth, a.sample_dir, a.dump, a.cache_dir, override)
        fails = [l for l in out.splitlines() if l.startswith("FAIL") and "exit status" not in l]
        noticed = rc != 0 and any(phrase in l for l in fails)
        print(f"{'ok' if noticed else 'FAIL'} {key} {have[key]} -> {override}: truth checks exit {rc}, {len(fails)} failing checks")
        for line in fails[:3]:
            print(f"    {line[:200]}")
        failed += not noticed
    print(f"{len(FLIPS) + 1 - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
