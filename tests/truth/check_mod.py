#!/usr/bin/env python3
"""mod, module symbols and module code against the guest and binutils:
  - `mod` lists exactly the modules of truth/modules (/proc/modules): name, size, state, address;
  - every symbol of truth/kallsyms-module (/proc/kallsyms) resolves: `sym NAME` gives its address
    and `sym ADDRESS` names it, with the module;
  - `dis FUNCTION` of each module function gives the instructions `objdump -d` gives for the same
    function of the sample's ksleuth_crash.ko: the same offsets and mnemonics (relocations,
    applied at load time, change only the operands of calls into the kernel).

usage: check_mod.py KSLEUTH SAMPLE_DIR DUMP [--cache-dir DIR]
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from check_dis import parse_objdump, same_mnemonic  # noqa: E402
from kstruth import Checks, Truth, run_ksleuth, sample_args  # noqa: E402


def proc_modules(truth):
    """[(name, size, state, address)] from /proc/modules."""
    out = []
    for line in truth.text("modules").splitlines():
        f = line.split()
        out.append((f[0], int(f[1]), f[4], int(f[5], 16)))
    return out


def module_symbols(truth):
    """[(address, type, name, module)] from /proc/kallsyms."""
    out = []
    for line in truth.text("kallsyms-module").splitlines():
        m = re.match(r"([0-9a-f]+) (\w) (\S+)\s+\[(\w+)\]", line)
        if m:
            out.append((int(m.group(1), 16), m.group(2), m.group(3), m.group(4)))
    return out


def ko_symbols(ko, kinds="F"):
    """{name: (section, offset in it, size)} of the .ko's symbols of those objdump -t kinds
    (F functions, O objects)."""
    out = subprocess.run(["objdump", "-t", ko], capture_output=True, text=True, check=True).stdout
    syms = {}
    for line in out.splitlines():
        m = re.match(rf"^([0-9a-f]{{8}}) .*\b[{kinds}] (\S+)\t([0-9a-f]{{8}}) (\S+)$", line)
        if m:
            syms[m.group(4)] = (m.group(2), int(m.group(1), 16), int(m.group(3), 16))
    return syms


def ko_functions(ko):
    return ko_symbols(ko, "F")


def main():
    a = sample_args(__doc__)
    truth = Truth(a.sample)
    checks = Checks(f"mod {os.path.basename(a.sample)}")
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, ["mod"], cache_dir=a.cache_dir)
    if not checks.check(rc == 0 and docs, f"mod: rc {rc} {err.strip()}"):
        return checks.finish()
    mine = {m["name"]: m for m in docs[0]["modules"]}
    want = proc_modules(truth)
    checks.check(sorted(mine) == sorted(n for n, _, _, _ in want), f"modules {sorted(mine)} != /proc/modules {want}")
    for name, size, state, addr in want:
        m = mine.get(name)
        if checks.check(m is not None, f"{name} missing"):
            checks.check(int(m["base"], 16) == addr, f"{name} base {m['base']} != {addr:#x}")
            checks.check(m["size"] == size, f"{name} size {m['size']} != {size}")
            checks.check(m["state"].lower() == state.lower(), f"{name} state {m['state']} != {state}")
            checks.check(m["symbols"] > 0 and m["symbols_error"] is None, f"{name}: symbols {m['symbols']} {m['symbols_error']}")
    syms = module_symbols(truth)
    cmds = [c for addr, _, name, _ in syms for c in (f"sym {name}", f"sym {addr:x}")]
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, cmds, cache_dir=a.cache_dir)
    checks.check(len(docs) == len(cmds), f"sym: {len(docs)} of {len(cmds)}: {err.strip()[:200]}")
    for k, (addr, _, name, module) in enumerate(syms):
        by_name, by_addr = docs[2 * k]["symbols"][0], docs[2 * k + 1]["symbols"][0]
        checks.check(int(by_name["address"], 16) == addr, f"sym {name}: {by_name['address']} != {addr:#x}")
        checks.check(by_addr["module"] == module and by_addr["offset"] == 0 and int(by_addr["address"], 16) == addr,
                     f"sym {addr:#x}: {by_addr} is not {name} [{module}]")
    ko = os.path.join(a.sample, "ksleuth_crash.ko")
    funcs = ko_functions(ko)
    text = {name: addr for addr, t, name, _ in syms if t in "tT"}
    aliases = {}
    for addr, _, name, _ in syms:
        aliases.setdefault(addr, set()).add(name)
    for name, (section, start, size) in sorted(funcs.items()):
        if name not in text:
            continue       # init code: freed after the module's init ran, not in /proc/kallsyms
        dump = subprocess.run(["objdump", "-d", "-z", "--no-show-raw-insn", "-j", section, f"--start-address={start:#x}",
                               f"--stop-address={start + size:#x}", ko], capture_output=True, text=True, check=True).stdout
        want_insns = parse_objdump(dump)
        rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, [f"dis {name}"], cache_dir=a.cache_dir)
        got = docs[0].get("instructions", []) if docs else []
        base = text[name]
        checks.check([i - start for i, _, _ in want_insns] == [int(g["address"], 16) - base for g in got],
                     f"dis {name}: offsets differ from the .ko ({len(want_insns)} objdump, {len(got)} dis)")
        for (off, mn, _), g in zip(want_insns, got):
            checks.check(same_mnemonic(g["mnemonic"], mn), f"dis {name}+{off - start:#x}: {g['mnemonic']} != objdump {mn}")
            checks.check(g["symbol"] in aliases[base], f"dis {name}: instruction named {g['symbol']}")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
