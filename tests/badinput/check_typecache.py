#!/usr/bin/env python3
"""The type cache under the conditions the issue names (issue 12), with the real ksleuth on a
committed sample:
  - two ksleuths open the same vmlinux at once from an empty cache directory: both succeed, both
    print the sizes gdb gives for the same vmlinux, and the cache left behind is whole (a third run
    reads it without a warning and leaves no temporary file);
  - a corrupt, truncated, wrong-version and foreign-build-id cache file: each is detected, ONE
    warning line says so, the run still succeeds with gdb's sizes, and the cache is rebuilt;
  - the same vmlinux with its debug sections decompressed (objcopy), which libdwarf reads without
    inflating them: gdb's sizes, and the very same cache file.

  check_typecache.py KSLEUTH VMLINUX DUMP WORKDIR"""
import glob
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "truth"))
from kstruth import Checks  # noqa: E402

STRUCTS = ("task_struct", "mm_struct", "page", "list_head")
CMDS = "; ".join(f"struct {s} -o | tail -1" for s in STRUCTS)


def gdb_sizes(vmlinux):
    args = ["gdb", "-batch", "-nx"] + sum((["-ex", f"print sizeof(struct {s})"] for s in STRUCTS), []) + [vmlinux]
    out = subprocess.run(args, capture_output=True, text=True, timeout=600).stdout
    return [int(l.split("=")[1]) for l in out.splitlines() if l.startswith("$")]


def sizes(stdout):
    return [int(l.split()[1]) for l in stdout.splitlines() if l.startswith("SIZE:")]


def run(ksleuth, vmlinux, dump, cache, background=False):
    args = [ksleuth, "-c", CMDS, vmlinux, dump]
    env = dict(os.environ, KSLEUTH_CACHE_DIR=cache)
    if background:
        return subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    return subprocess.run(args, capture_output=True, text=True, timeout=600, env=env)


def damage(path, how):
    data = bytearray(open(path, "rb").read())
    if how == "truncated":
        data = data[: len(data) // 2]
    elif how == "corrupt":
        data[len(data) - 100] ^= 0xFF
    elif how == "wrong-version":
        data[8] = 0x7F
    elif how == "foreign-build-id":
        data[32:40] = b"deadbeef"
    open(path, "wb").write(bytes(data))


def check_mapped(c, ksleuth, vmlinux, dump, work, want, reference):
    plain = os.path.join(work, "typecache-vmlinux-plain")
    subprocess.run(["objcopy", "--decompress-debug-sections", vmlinux, plain], check=True, timeout=600)
    cache = os.path.join(work, "typecache-mapped")
    shutil.rmtree(cache, ignore_errors=True)
    os.makedirs(cache)
    r = run(ksleuth, plain, dump, cache)
    c.check(r.returncode == 0, f"decompressed vmlinux: exit {r.returncode}: {r.stderr[:300]}")
    c.check(sizes(r.stdout) == want, f"decompressed vmlinux: sizes {sizes(r.stdout)}, gdb says {want}")
    files = glob.glob(os.path.join(cache, "*.types"))
    same = len(files) == 1 and open(files[0], "rb").read() == reference
    c.check(same, f"decompressed vmlinux: its cache differs from the compressed one's ({files})")
    os.unlink(plain)


def main():
    ksleuth, vmlinux, dump, work = sys.argv[1:5]
    c = Checks("typecache")
    want = gdb_sizes(vmlinux)
    c.check(len(want) == len(STRUCTS), f"gdb gave {want}")
    cache = os.path.join(work, "typecache-parallel")
    shutil.rmtree(cache, ignore_errors=True)
    os.makedirs(cache)
    procs = [run(ksleuth, vmlinux, dump, cache, background=True) for _ in range(2)]
    for i, p in enumerate(procs):
        out, err = p.communicate(timeout=900)
        c.check(p.returncode == 0, f"parallel run {i}: exit {p.returncode}: {err[:300]}")
        c.check(sizes(out) == want, f"parallel run {i}: sizes {sizes(out)}, gdb says {want}")
    files = glob.glob(os.path.join(cache, "*"))
    c.check(len(files) == 1 and files[0].endswith(".types"), f"cache directory holds {files}")
    third = run(ksleuth, vmlinux, dump, cache)
    c.check(third.returncode == 0 and not third.stderr.strip(), f"the cache left behind is not whole: {third.stderr[:300]}")
    c.check(sizes(third.stdout) == want, f"warm run: sizes {sizes(third.stdout)}, gdb says {want}")
    path = files[0] if files else ""
    if path:
        check_mapped(c, ksleuth, vmlinux, dump, work, want, open(path, "rb").read())
    for how in ("corrupt", "truncated", "wrong-version", "foreign-build-id"):
        if not path:
            break
        damage(path, how)
        r = run(ksleuth, vmlinux, dump, cache)
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        c.check(r.returncode == 0, f"{how}: exit {r.returncode}: {r.stderr[:300]}")
        c.check(len(lines) == 1 and "type cache" in lines[0] and "rebuilding" in lines[0],
                f"{how}: expected one warning line, got {lines}")
        c.check(sizes(r.stdout) == want, f"{how}: sizes {sizes(r.stdout)}, gdb says {want}")
        again = run(ksleuth, vmlinux, dump, cache)
        c.check(again.returncode == 0 and not again.stderr.strip(), f"{how}: not rebuilt whole: {again.stderr[:300]}")
    sys.exit(c.finish())


if __name__ == "__main__":
    main()
