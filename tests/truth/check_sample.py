#!/usr/bin/env python3
"""Check ksleuth on one committed sample dump against that sample's truth.

  check_sample.py KSLEUTH SAMPLE_DIR DUMPFILE [--raw] [--other-vmlinux PATH]

Everything compared here came from outside ksleuth: the guest's /proc files and dmesg recorded just
before the capture, and QEMU's gva2gpa / xp / registers recorded with the guest stopped."""
import argparse
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
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


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("ksleuth")
    ap.add_argument("sample_dir")
    ap.add_argument("dump")
    ap.add_argument("--raw", action="store_true")
    ap.add_argument("--other-vmlinux")
    ap.add_argument("--cache-dir")
    a = ap.parse_args()
    t = Truth(a.sample_dir)
    vmlinux = os.path.join(a.sample_dir, "vmlinux")
    c = Checks(f"{os.path.basename(a.sample_dir)}/{os.path.basename(a.dump)}")
    banner = banner_checks(c, t, vmlinux)

    cmds, expect = ["sys", "rd -8 linux_banner 400"], [("sys", None), ("banner", None)]
    for va, pa, what in t.gva2gpa():
        cmds.append(f"vtop {va:x}")
        expect.append(("vtop", (va, pa, what)))
    for pa, words, what in t.xp():
        cmds.append(f"rd -p {pa:x} 4")
        expect.append(("rd", (pa, words, what)))
    for w in t.workloads():
        pid = int(w["pid"])
        for va, pfn in t.pagemap(pid):
            cmds.append(f"vtop -c {pid} {va:x}")
            expect.append(("uvtop", (pid, va, pfn)))
        if w["mode"] == "deadbeef":
            cmds += [f"set {pid}", f"rd -u {w['stack_var']} 1"]
            expect += [("set", None), ("deadbeef", w)]
    cmds.append("log")
    expect.append(("log", None))

    rc, docs, err = run_ksleuth(a.ksleuth, vmlinux, a.dump, cmds, raw=a.raw, cache_dir=a.cache_dir)
    c.check(rc == 0, f"ksleuth exit status {rc}: {err.strip()[:500]}")
    # `set` prints no JSON document; every other command prints exactly one.
    expect = [e for e in expect if e[0] != "set"]
    if not c.check(len(docs) == len(expect), f"{len(docs)} JSON documents for {len(expect)} commands"):
        return c.finish()

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
        elif kind == "deadbeef":
            c.check(doc.get("values") == ["0xdeadbeef"], f"rd -u {want['stack_var']} in PID {want['pid']} = {doc.get('values')}")
        elif kind == "log":
            got = [f"[{r['ts_nsec'] // 10**9:5d}.{r['ts_nsec'] % 10**9 // 1000:06d}] {line}"
                   for r in doc.get("records", []) for line in r["text"].split("\n")]
            want_lines = t.dmesg()
            # The dump may hold later records (the panic, for kdump); the truth must be its prefix.
            c.check(got[:len(want_lines)] == want_lines,
                    f"log differs from the guest's dmesg (first difference at line "
                    f"{next((i for i, (x, y) in enumerate(zip(got, want_lines)) if x != y), min(len(got), len(want_lines)))})")

    if a.other_vmlinux:
        rc, _, err = run_ksleuth(a.ksleuth, a.other_vmlinux, a.dump, ["sys"], raw=a.raw, cache_dir=a.cache_dir)
        c.check(rc == 3 and "do not match" in err, f"another kernel's vmlinux was accepted (rc {rc}, {err.strip()})")
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
