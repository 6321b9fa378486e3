#!/usr/bin/env python3
"""mod -s: a module's .ko laid over the dump, against the guest, gdb and binutils:
  - `mod -s ksleuth_crash KO` loads the sample's own .ko and names it as the OBJECT FILE;
  - every function and object symbol of the .ko outside its init sections lands, by the section
    addresses the kernel recorded, exactly where /proc/kallsyms (recorded in the guest) puts it;
  - the module's own type `struct ksleuth_victim` has the members, offsets and size gdb reads from
    the .ko's DWARF, and `whatis ksleuth_timer` names gdb's type;
  - `p ksleuth_timer` reads the variable at its /proc/kallsyms address, and its `function` member
    holds the address /proc/kallsyms gives ksleuth_timer_fn (the module's init set it so);
  - `bt -l` gives each module frame of the crashing task the file:line addr2line gives for the
    same place in the .ko, and `dis -l` each instruction of every module function;
  - another build of the module (the other panic sample's .ko), a truncated .ko and a file that is
    not ELF are refused with one error line, and nothing stays loaded; `mod -d` forgets the .ko.

usage: check_modobj.py KSLEUTH SAMPLE_DIR DUMP --other-ko KO [--cache-dir DIR]
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_layouts import gdb_layouts  # noqa: E402
from check_mod import ko_functions, ko_symbols, module_symbols  # noqa: E402
from kstruth import Checks, Truth, run_ksleuth  # noqa: E402

MODULE = "ksleuth_crash"


def args_of():
    p = argparse.ArgumentParser(description=__doc__)
    for name in ("ksleuth", "sample", "dump"):
        p.add_argument(name)
    p.add_argument("--other-ko", required=True)
    p.add_argument("--cache-dir")
    a = p.parse_args()
    a.vmlinux = os.path.join(a.sample, "vmlinux")
    a.ko = os.path.join(a.sample, f"{MODULE}.ko")
    return a


def addr2line(ko, section, offsets):
    """[(file basename, line)] for section offsets, from binutils reading the .ko's DWARF."""
    out = subprocess.run(["addr2line", "-e", ko, "-j", section] + [f"{o:#x}" for o in offsets],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    result = []
    for line in out:
        path, _, num = line.rpartition(":")
        num = re.match(r"\d+", num)
        result.append((os.path.basename(path), int(num.group(0)) if num else None))
    return result


def check_symbols(checks, a, kallsyms):
    live = {n: v for n, v in ko_symbols(a.ko, "FO").items() if not v[0].startswith(".init")}
    names = [n for n in live if n in kallsyms]
    cmds = [f"mod -s {MODULE} {a.ko}"] + [f"sym {n}" for n in names]
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, cmds, cache_dir=a.cache_dir)
    if not checks.check(rc == 0 and len(docs) == len(cmds), f"mod -s: rc {rc} {err.strip()[:300]}"):
        return
    mod = docs[0]["modules"][0]
    checks.check(mod["name"] == MODULE and mod["object_file"] == a.ko, f"mod -s shows {mod}")
    checks.check(len(names) >= 8, f"only {len(names)} .ko symbols to compare")
    for name, doc in zip(names, docs[1:]):
        got = int(doc["symbols"][0]["address"], 16)
        checks.check(got == kallsyms[name], f"sym {name}: {got:#x} != /proc/kallsyms {kallsyms[name]:#x}")


def check_types(checks, a, kallsyms):
    cmds = [f"mod -s {MODULE} {a.ko}", "struct ksleuth_victim", "whatis ksleuth_timer", "p ksleuth_timer"]
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, cmds, cache_dir=a.cache_dir)
    if not checks.check(rc == 0 and len(docs) == 4, f"types: rc {rc} {err.strip()[:300]}"):
        return
    pairs, size = gdb_layouts(a.ko, ["ksleuth_victim"])["ksleuth_victim"]
    st = docs[1]
    mine = {(m["name"], m["offset"]) for m in st["members"]}
    checks.check(mine == pairs and st["size"] == size, f"struct ksleuth_victim {mine} {st['size']} != gdb {pairs} {size}")
    gdb = subprocess.run(["gdb", "-batch", "-nx", "-ex", "whatis ksleuth_timer", a.ko], capture_output=True, text=True)
    want = gdb.stdout.strip().removeprefix("type = ")
    checks.check(docs[2]["declaration"] == f"{want} ksleuth_timer", f"whatis: {docs[2]} != gdb {want}")
    timer = docs[3]
    checks.check(int(timer["address"], 16) == kallsyms["ksleuth_timer"], f"p ksleuth_timer at {timer['address']}")
    fn = int(timer["value"]["function"].split()[0], 16)
    checks.check(fn == kallsyms["ksleuth_timer_fn"], f"ksleuth_timer.function {fn:#x} != ksleuth_timer_fn")


def placed_functions(a, kallsyms):
    """{name: (section, runtime address of the section)} for the .ko functions /proc/kallsyms
    lists: the section's address is the function's address minus its offset in the file."""
    return {name: (section, kallsyms[name] - off) for name, (section, off, _) in ko_functions(a.ko).items()
            if name in kallsyms}


def lines_of(a, placed, name, addresses):
    section, base = placed[name]
    return addr2line(a.ko, section, [x - base for x in addresses])


def check_bt_lines(checks, a, placed):
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, [f"mod -s {MODULE} {a.ko}", "set -p", "bt -l"],
                                cache_dir=a.cache_dir)
    frames = [f for f in docs[-1].get("frames", []) if f.get("module") == MODULE] if docs else []
    if not checks.check(rc == 0 and frames, f"bt -l: no module frames: rc {rc} {err.strip()[:300]}"):
        return
    for f in frames:
        at = int(f["pc"], 16) - (0 if f.get("exact") else 1)
        want = lines_of(a, placed, f["function"], [at])[0]
        got = (os.path.basename(f["file"] or ""), f["line"])
        checks.check(got == want, f"bt -l {f['function']}: {got} != addr2line {want}")


def check_dis_lines(checks, a, placed):
    funcs = sorted(placed)
    cmds = [f"mod -s {MODULE} {a.ko}"] + [f"dis -l {n}" for n in funcs]
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, cmds, cache_dir=a.cache_dir)
    if not checks.check(rc == 0 and len(docs) == len(cmds), f"dis -l: rc {rc} {err.strip()[:300]}"):
        return
    for name, doc in zip(funcs, docs[1:]):
        insns = doc["instructions"]
        want = lines_of(a, placed, name, [int(i["address"], 16) for i in insns])
        for i, w in zip(insns, want):
            got = (os.path.basename(i["file"] or ""), i["line"])
            checks.check(got == w, f"dis -l {name} {i['address']}: {got} != addr2line {w}")


def refused(checks, a, ko, why):
    cmds = [f"mod -s {MODULE} {ko}", "mod"]
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, cmds, cache_dir=a.cache_dir)
    lines = [line for line in err.splitlines() if line.strip()]
    checks.check(rc == 1 and len(lines) == 1 and why in lines[0], f"{ko}: rc {rc}, stderr {lines}")
    still = docs[-1]["modules"][0]["object_file"] if docs and "modules" in docs[-1] else "?"
    checks.check(still is None, f"{ko}: something stayed loaded: {still}")


def check_refusals(checks, a):
    refused(checks, a, a.other_ko, "another build")
    with tempfile.TemporaryDirectory() as tmp:
        data = open(a.ko, "rb").read()
        cut = os.path.join(tmp, f"{MODULE}.ko")
        with open(cut, "wb") as f:
            f.write(data[: len(data) // 2])
        refused(checks, a, cut, "truncated?")
        text = os.path.join(tmp, "notelf.ko")
        with open(text, "w") as f:
            f.write("not a module\n" * 10)
        refused(checks, a, text, "not an ELF file")
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump,
                                [f"mod -s {MODULE} {a.ko}", f"mod -d {MODULE}", "struct ksleuth_victim"], cache_dir=a.cache_dir)
    checks.check(rc == 1 and "ksleuth_victim" in err, f"after mod -d the module's type is still seen: rc {rc}")


def main():
    a = args_of()
    checks = Checks(f"mod -s {os.path.basename(a.sample)}")
    kallsyms = {name: addr for addr, _, name, mod in module_symbols(Truth(a.sample)) if mod == MODULE}
    check_symbols(checks, a, kallsyms)
    check_types(checks, a, kallsyms)
    placed = placed_functions(a, kallsyms)
    if checks.check(len(placed) >= 5, f"only {len(placed)} .ko functions are in /proc/kallsyms"):
        check_bt_lines(checks, a, placed)
        check_dis_lines(checks, a, placed)
    check_refusals(checks, a)
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
