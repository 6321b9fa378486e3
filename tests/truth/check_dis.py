#!/usr/bin/env python3
"""dis against binutils, which ksleuth does not use. The kernel patches its own text as it boots
(alternatives, jump labels), so the code that ran is the dump's, not the vmlinux file's: the
bytes of each function are read from the dump with `rd -8` (rd is proven against QEMU's xp by
the truth tests) and decoded by `objdump -D -b binary -m i386` at the function's address (the
KASLR offset read from truth/kallsyms against the vmlinux's own symbols). That must give the
same instructions — addresses, count, mnemonic and direct branch targets — as `dis FUNCTION`.
Where the dump's bytes equal the file's, `objdump -d` of the vmlinux must agree as well. `dis -l`
must give the file and line `addr2line` gives.

Spellings differ in one documented way: capstone's AT&T mnemonics always carry the operand-size
suffix (movl, pushl, calll), objdump's only where the operands leave the size open. A mnemonic
matches when the two are equal, or one is the other plus a size suffix (b, w, l, q), or both
name the same no-op family (objdump writes some multi-byte nops as `xchg %ax,%ax` or `lea`).

usage: check_dis.py KSLEUTH SAMPLE_DIR DUMP [--cache-dir DIR]
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kstruth import Checks, Truth, run_ksleuth, sample_args  # noqa: E402

NAMED = ["schedule", "__schedule", "panic", "do_exit", "exc_page_fault", "sysrq_handle_crash", "__crash_kexec",
         "copy_process", "vfs_write", "ksys_write", "native_safe_halt", "do_idle", "entry_SYSENTER_32"]
INSN = re.compile(r"^\s*([0-9a-f]+):\s+(.*?)\s*$")
TARGET = re.compile(r"^(?:0x)?([0-9a-f]+)(?: <|$)")
NOPS = {"nop", "xchg", "lea", "data16", "cs"}   # multi-byte nop spellings differ between the two


def nm(vmlinux):
    """(functions {name: (address, size)}, every symbol {name: address})"""
    out = subprocess.run(["nm", "-S", vmlinux], capture_output=True, text=True, check=True).stdout
    funcs, every = {}, {}
    for line in out.splitlines():
        f = line.split()
        if len(f) == 4 and f[2] in "tT":
            funcs.setdefault(f[3], (int(f[0], 16), int(f[1], 16)))
        if len(f) >= 3:
            every.setdefault(f[-1], int(f[0], 16))
    return funcs, every


def objdump_bytes(code, start, scratch):
    """objdump's decoding of raw bytes placed at start."""
    with open(scratch, "wb") as f:
        f.write(code)
    out = subprocess.run(["objdump", "-D", "-z", "--no-show-raw-insn", "-b", "binary", "-m", "i386", f"--adjust-vma={start:#x}", scratch],
                         capture_output=True, text=True, check=True).stdout
    return parse_objdump(out)


def file_bytes(vmlinux, start, size):
    out = subprocess.run(["objdump", "-s", f"--start-address={start:#x}", f"--stop-address={start + size:#x}", vmlinux],
                         capture_output=True, text=True, check=True).stdout
    data = bytearray()
    for line in out.splitlines():
        m = re.match(r"^ ([0-9a-f]{8}) ((?:[0-9a-f]{2,8} ){1,4})", line + " ")
        if m:
            data += bytes.fromhex(m.group(2).replace(" ", ""))
    return bytes(data[:size])


def parse_objdump(out):
    insns = []
    for line in out.splitlines():
        if not re.match(r"^\s*[0-9a-f]+:\t", line):
            continue
        m = INSN.match(line)
        if not m or not m.group(2) or m.group(2).startswith("(bad)"):
            continue
        parts = m.group(2).split(None, 1)
        ops = parts[1] if len(parts) > 1 else ""
        while parts and parts[0] in ("lock", "rep", "repz", "repnz", "repe", "repne", "notrack", "ds", "bnd"):
            parts = parts[1].split(None, 1) if len(parts) > 1 else []
            ops = parts[1] if len(parts) > 1 else ""
        t = TARGET.match(ops)
        insns.append((int(m.group(1), 16), parts[0] if parts else "", int(t.group(1), 16) if t else None))
    return insns


def same_mnemonic(a, b):
    a = a.split()[-1]      # capstone keeps prefixes (lock, rep) in the mnemonic; objdump's are stripped above
    if a == b or a[:-1] == b and a[-1] in "bwlq" or b[:-1] == a and b[-1] in "bwlq":
        return True
    return a.rstrip("bwlq").startswith("nop") and (b.split()[0] in NOPS or b.startswith("nop"))


def kaslr_offset(truth, every):
    for line in truth.text("kallsyms").splitlines():
        addr, _, name = line.split()
        if name in every:
            return int(addr, 16) - every[name]
    raise RuntimeError("no kallsyms symbol in the vmlinux")


def main():
    a = sample_args(__doc__)
    vmlinux = a.vmlinux
    truth = Truth(a.sample)
    checks = Checks(f"dis {os.path.basename(a.sample)}")
    syms, every = nm(vmlinux)
    off = kaslr_offset(truth, every)
    # The named functions, and every 97th text symbol of a decent size: a fixed, varied set.
    names = [n for n in NAMED if n in syms]
    pool = sorted(n for n, (_, size) in syms.items() if 16 <= size <= 2000 and not n.startswith("__pfx"))
    names += pool[::max(1, len(pool) // 30)][:30]
    cmds = [c for n in names for c in (f"dis {n}", f"rd -8 {syms[n][0] + off:x} {syms[n][1]}")]
    rc, docs, err = run_ksleuth(a.ksleuth, vmlinux, a.dump, cmds, cache_dir=a.cache_dir)
    checks.check(rc == 0 and len(docs) == len(cmds), f"dis: rc {rc}, {len(docs)} of {len(cmds)} documents: {err.strip()[:300]}")
    scratch = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"check_dis.{os.getpid()}.bin")
    patched = 0
    for k, name in enumerate(names):
        doc, mem = docs[2 * k], docs[2 * k + 1]
        start, size = syms[name]
        code = bytes(int(v, 16) for v in mem["values"])
        want = objdump_bytes(code, start, scratch)
        if code == file_bytes(vmlinux, start, size):
            checks.check(want == parse_objdump(subprocess.run(["objdump", "-d", "-z", "--no-show-raw-insn", f"--start-address={start:#x}",
                                                             f"--stop-address={start + size:#x}", vmlinux],
                                                            capture_output=True, text=True).stdout),
                         f"{name}: objdump of the dump's bytes differs from objdump of the vmlinux")
        else:
            patched += 1
        got = doc.get("instructions", [])
        checks.check([i for i, _, _ in want] == [int(g["address"], 16) - off for g in got],
                     f"{name}: instruction addresses differ ({len(want)} objdump, {len(got)} dis)")
        for k2, ((addr, mn, target), g) in enumerate(zip(want, got)):
            if mn == ".byte" and k2 == len(want) - 1:
                continue    # an instruction running past the symbol's end: objdump stops at the end, dis does not
            checks.check(same_mnemonic(g["mnemonic"], mn), f"{name} {addr:#x}: dis {g['mnemonic']} objdump {mn}")
            if target is not None and mn.startswith(("call", "j")):
                mine = int(g["target"], 16) - off if g["target"] else None
                checks.check(mine == target, f"{name} {addr:#x}: target {mine} objdump {target:#x}")
    os.remove(scratch)
    print(f"{len(names)} functions, {patched} patched at run time (alternatives, jump labels)")
    # Lines: dis -l against addr2line for the first instruction of a few functions.
    for name in names[:8]:
        start, _ = syms[name]
        want = subprocess.run(["addr2line", "-e", vmlinux, f"{start:#x}"], capture_output=True, text=True).stdout.strip()
        rc, docs, _ = run_ksleuth(a.ksleuth, vmlinux, a.dump, [f"dis -l {start + off:x} 1"], cache_dir=a.cache_dir)
        ins = docs[0]["instructions"][0] if docs and docs[0].get("instructions") else {}
        checks.check(want == f"{ins.get('file')}:{ins.get('line')}", f"{name}: addr2line {want} != dis -l {ins.get('file')}:{ins.get('line')}")
    # An address nothing maps is one error line and exit 1.
    rc, docs, err = run_ksleuth(a.ksleuth, vmlinux, a.dump, ["dis 1000 4"], cache_dir=a.cache_dir)
    checks.check(rc == 1 and len(err.strip().splitlines()) == 1 and "not mapped" in err, f"dis of an unmapped address: rc {rc} {err!r}")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
