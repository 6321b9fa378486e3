#!/usr/bin/env python3
"""ksleuth's C expressions (p, whatis, eval) against gdb run on the same vmlinux.

  check_expr.py KSLEUTH VMLINUX DUMP

gdb reads the vmlinux's DWARF and its file image, never the dump: it is the truth for types,
sizes, member offsets, addresses, constant data and C arithmetic on i386. For values that live in
memory, ksleuth's `p` is compared with what its `rd` reads at the address gdb computed (the sample
has no KASLR; with an offset the addresses would be shifted by it). Each bug issue 15 reported is
a case with its exact expected outcome."""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kstruth import Checks  # noqa: E402

# gdb prints C's short names for base types; ksleuth prints the DWARF names.
GDB_NAMES = [("unsigned long long", "long long unsigned int"), ("long long", "long long int"),
             ("unsigned long", "long unsigned int"), ("unsigned short", "short unsigned int"),
             ("unsigned char", "unsigned char"), ("long", "long int"), ("short", "short int")]

# (ksleuth p expression, gdb print expression): the printed values must be equal.
ARITHMETIC = [
    ("(1|2^3)", "1|2^3"), ("-5/2", "-5/2"), ("-5%3", "-5%3"), ("(2147483647+1)", "2147483647+1"),
    ("(char)200", "(char)200"), ("(unsigned char)300", "(unsigned char)300"), ("1<<31", "1<<31"),
    ("-1 < 0u", "-1 < 0u"), ("-1 < 0", "-1 < 0"), ("4294967295u+1", "4294967295u+1"),
    ("0x80000000", "0x80000000"), ("2147483648", "2147483648"), ("sizeof(long)", "sizeof(long)"),
    ("1 ? 2 : 3", "1 ? 2 : 3"), ("(7&3)==3", "(7&3)==3"), ("10-2-3", "10-2-3"), ("~0", "~0"),
    ("(short)65535", "(short)65535"), ("PG_locked", "PG_locked"), ("PG_locked + 1", "PG_locked + 1"),
]

# gdb's print/FMT on constants.
FORMATS = [("p/x 255", "print/x 255"), ("p/o 8", "print/o 8"), ("p/t 10", "print/t 10"), ("p/c 65", "print/c 65"),
           ("p/d (unsigned char)200", "print/d (unsigned char)200"), ("p/x -1", "print/x -1"),
           ("p/u (char)-1", "print/u (char)-1")]

SIZES = ["struct task_struct", "struct mm_struct", "struct page", "struct file_operations", "struct list_head",
         "pte_t", "init_task", "init_task.comm", "kmalloc_caches", "kmalloc_caches[1]", "struct kmem_cache *",
         "init_uts_ns.name"]

OFFSETS = [("task_struct", "tasks"), ("task_struct", "comm"), ("task_struct", "pid"), ("mm_struct", "pgd"),
           ("mm_struct", "mmap_base"), ("page", "lru"), ("list_head", "prev"), ("task_struct", "se.on_rq")]

ADDRESSES = ["&init_task", "&init_task.tasks", "&kmalloc_caches[1][2]", "&init_task.comm[3]",
             "&__per_cpu_offset[1]", "&init_task.tasks + 1", "(char *)&init_task + 4", "&current_task",
             "&jiffies", "&init_task.se", "&((struct task_struct *)&init_task)->mm"]

FUNCTIONS = ["start_kernel", "schedule", "vfs_read", "do_sys_open", "_printk"]

# Values in memory: ksleuth's p against its rd at gdb's address (4-byte scalars).
MEMORY = ["init_task.pid", "jiffies", "kmalloc_caches[1][2]", "init_task.active_mm", "__per_cpu_offset[1]",
          "init_task.tasks.next", "nr_cpu_ids"]

# Issue 15's bugs: (command, exit status, exact stdout or None, stderr substring or None).
REGRESSIONS = [
    ("p init_task.comm[1][2]", 1, "", "p: char is not an array or a pointer: it cannot be subscripted (column 18)"),
    ("p __per_cpu_offset[1].nonexistent", 1, "", "p: long unsigned int is not a struct or union: no member nonexistent"),
    ("p __per_cpu_offset[zz]", 1, "", 'p: no symbol "zz" in the vmlinux'),
    ("p kmalloc_caches[99][99]", 1, "", "p: index 99 is out of bounds: the array has 2 elements (column 16)"),
    ("p kmalloc_caches[1][99]", 1, "", "p: index 99 is out of bounds: the array has 14 elements (column 19)"),
    ("eval (1<<100d)", 1, "", "eval: shift count 100 is not below the 64 bits of long long unsigned int"),
    ("eval (1|2^3)", 0, "hexadecimal: 1\n    decimal: 1\n      octal: 1\n     binary: 1\n", None),
    ("eval -8000000000000000", 0, "hexadecimal: 8000000000000000\n    decimal: 9223372036854775808 (negative as signed)\n"
     "      octal: 1000000000000000000000\n     binary: 1" + "0" * 63 + "\n", None),
    ("eval (10d/0)", 1, "", "eval: division by zero"),
    ("p *(int *)0", 1, "", "p: kernel virtual address 0 is not mapped"),
    ("p nosuch_variable", 1, "", 'p: no symbol "nosuch_variable" in the vmlinux'),
    ("p init_task.nonexistent", 1, "", "p: there is no member named nonexistent in struct task_struct"),
    ("p 1 +", 1, "", "p: expected a number, a name or '(' at the end (column 4)"),
    ("p &init_task.sched_reset_on_fork", 1, "", "p: cannot take the address of a bit-field"),
    ("p -c 5 current_task", 1, "", "p: no CPU 5: the kernel was built for 2"),
    ("p jiffies:1", 1, "", "p: jiffies names no per-CPU variable: a CPU cannot be chosen"),
]


def ksleuth(ks, vmlinux, dump, cmd, json_mode=False):
    args = [ks, vmlinux, dump, "-c", cmd] + (["--json"] if json_mode else [])
    p = subprocess.run(args, capture_output=True, text=True, timeout=300)
    return p.returncode, p.stdout, p.stderr


def ks_value(out):
    """The value of a one-line "LABEL = VALUE"."""
    return out.rstrip("\n").split(" = ", 1)[1] if " = " in out else None


def gdb_run(vmlinux, commands):
    """One gdb run; the output of each command, in order."""
    args = ["gdb", "-batch", "-nx", "-ex", "set width 0", "-ex", "set print elements 0"]
    for c in commands:
        args += ["-ex", "echo @@\\n", "-ex", c]
    out = subprocess.run(args + [vmlinux], capture_output=True, text=True, timeout=600).stdout
    return [chunk.strip() for chunk in out.split("@@\n")[1:]]


def gdb_value(text):
    """'$3 = (struct list_head *) 0x1dc <init_task+4>' -> '0x1dc'; '$1 = 5' -> '5'."""
    v = re.sub(r"^\$\d+ = ", "", text)
    v = re.sub(r"^\(.*\)\s+(?=0x)", "", v)      # a pointer's (type)
    return re.sub(r" <[^>]+>", "", v)            # its <symbol>


GDB_NAME_RE = re.compile(r"\b(" + "|".join(short for short, _ in GDB_NAMES) + r")\b(?! int)")


def gdb_type(text):
    t = re.sub(r"^type = ", "", text)
    return GDB_NAME_RE.sub(lambda m: dict(GDB_NAMES)[m.group(1)], t)


MARKER = "eval 5a5a5a5a5a5a5a5a"
MARKER_OUT = re.compile(r"^hexadecimal: 5a5a5a5a5a5a5a5a\n(?:.*\n){3}", re.M)


def ksleuth_many(ks, vmlinux, dump, cmds):
    """Several commands in one run (loading the DWARF once): each one's stdout, and all of stderr."""
    script = "".join(f"{c}\n{MARKER}\n" for c in cmds)
    p = subprocess.run([ks, vmlinux, dump], input=script, capture_output=True, text=True, timeout=600)
    return MARKER_OUT.split(p.stdout)[:len(cmds)], p.stderr


def rd32(ks, vmlinux, dump, addr):
    rc, out, _ = ksleuth(ks, vmlinux, dump, f"rd -32 {addr:x} 1")
    m = re.match(r"^\s*[0-9a-f]+:\s+([0-9a-f]+)", out)
    return int(m.group(1), 16) if rc == 0 and m else None


def check_gdb_cases(c, ks, vmlinux, dump):
    """Everything gdb can say from the vmlinux alone, asked in one gdb run."""
    plan = []
    plan += [("arith", f"p {k}", f"print {g}") for k, g in ARITHMETIC]
    plan += [("format", k, g) for k, g in FORMATS]
    plan += [("size", f"p sizeof({s})", f"print sizeof({s})") for s in SIZES]
    plan += [("offset", f"p &((struct {t} *)0)->{m}", f"print &((struct {t} *)0)->{m}") for t, m in OFFSETS]
    plan += [("address", f"p {a}", f"print {a}") for a in ADDRESSES]
    plan += [("function", f"whatis {f}", f"whatis {f}") for f in FUNCTIONS]
    plan += [("string", "p linux_banner", "print linux_banner"), ("string", "p init_uts_ns.name.sysname", "print init_uts_ns.name.sysname")]
    plan += [("whatis", "whatis init_task.pid", "whatis init_task.pid"),
             ("whatis", "whatis init_task.sched_class->enqueue_task", "whatis init_task.sched_class->enqueue_task")]
    plan += [("addr-of-mem", f"p {m}", f"print &{m}") for m in MEMORY]
    plan += [("ptype", "whatis file_operations", "ptype struct file_operations")]
    theirs = gdb_run(vmlinux, [g for _, _, g in plan])
    c.check(len(theirs) == len(plan), f"gdb answered {len(theirs)} of {len(plan)} commands")
    outs, err = ksleuth_many(ks, vmlinux, dump, [k for _, k, _ in plan])
    c.check(err == "" and len(outs) == len(plan), f"ksleuth: {len(outs)} outputs of {len(plan)}, errors: {err.strip()}")
    for (kind, ours_cmd, gdb_cmd), their, out in zip(plan, theirs, outs):
        if not c.check(out != "", f"{ours_cmd}: no output"):
            continue
        if kind == "function":
            ret_params = gdb_type(their)
            m = re.match(r"^(.*?) \((.*)\)$", ret_params)
            want = f"{m.group(1)} {ours_cmd.split()[1]}({m.group(2)});" if m else ret_params
            c.check(out.strip() == want, f"{ours_cmd}: ksleuth {out.strip()!r}, gdb {want!r}")
        elif kind == "whatis":
            c.check(out.strip() == "type = " + gdb_type(their), f"{ours_cmd}: ksleuth {out.strip()!r}, gdb {their!r}")
        elif kind == "ptype":
            # Every member line gdb prints (function pointers with prototypes) is one of ours.
            ours_lines = {l.strip() for l in out.splitlines()}
            lines = [gdb_type(l.strip()) for l in their.splitlines()[1:-1]]
            missing = [l for l in lines if l not in ours_lines]
            c.check(lines and not missing, f"{ours_cmd}: gdb's lines not in ksleuth's: {missing[:3]}")
        elif kind == "addr-of-mem":
            addr = int(gdb_value(their), 16)
            word = rd32(ks, vmlinux, dump, addr)
            v = ks_value(out)
            ours = int(v, 0) if v and re.match(r"^(0x[0-9a-f]+|\d+)$", v) else None
            c.check(word is not None and ours == word, f"{ours_cmd} = {v}, rd at gdb's {addr:#x} = {word}")
        elif kind == "string":
            c.check(ks_value(out) == re.sub(r"^\$\d+ = (0x[0-9a-f]+ <\w+> )?", "", their).split(", '\\000'")[0],
                    f"{ours_cmd}: ksleuth {ks_value(out)!r}, gdb {their!r}")
        else:
            ours, want = ks_value(out), gdb_value(their)
            if kind == "address":      # char pointers: gdb's string is the vmlinux's, ours the dump's
                want, ours = want.split(" ")[0], (ours or "").split(" ")[0]
            c.check(ours == want, f"{ours_cmd}: ksleuth {ours!r}, gdb {want!r} ({their!r})")


def check_percpu(c, ks, vmlinux, dump):
    """p current_task: one line per CPU, each the word at &current_task + __per_cpu_offset[cpu]."""
    rc, out, err = ksleuth(ks, vmlinux, dump, "p current_task")
    lines = out.splitlines()
    c.check(rc == 0 and len(lines) >= 1, f"p current_task: exit {rc}, {err.strip()}")
    base = int(gdb_value(gdb_run(vmlinux, ["print &current_task"])[0]), 16)
    offsets = gdb_value(gdb_run(vmlinux, ["print &__per_cpu_offset"])[0])
    for cpu, line in enumerate(lines):
        m = re.match(rf"^per_cpu\(current_task, {cpu}\) = (0x[0-9a-f]+)$", line)
        off = rd32(ks, vmlinux, dump, int(offsets, 16) + 4 * cpu)
        want = rd32(ks, vmlinux, dump, (base + off) & 0xFFFFFFFF) if off is not None else None
        c.check(m and want is not None and int(m.group(1), 16) == want, f"{line!r}: rd says {want}")
    outs, err = ksleuth_many(ks, vmlinux, dump, ["p -c 1 current_task", "p current_task:1", "p per_cpu(current_task, 1)"])
    c.check(len(lines) > 1 and outs[0] == lines[1] + "\n" and outs[1] == outs[0] and ks_value(outs[2]) == ks_value(outs[0]),
            f"p -c 1 / current_task:1 / per_cpu(): {outs!r} {err!r}")


def check_idioms(c, ks, vmlinux, dump):
    """crash idioms refused before issue 15, and the JSON shapes."""
    rc, out, _ = ksleuth(ks, vmlinux, dump, "p/x jiffies")
    word = rd32(ks, vmlinux, dump, int(gdb_value(gdb_run(vmlinux, ["print &jiffies"])[0]), 16))
    c.check(rc == 0 and ks_value(out) == f"{word:#x}", f"p/x jiffies: {out!r} vs {word}")
    rc, out, _ = ksleuth(ks, vmlinux, dump, "p *init_task.active_mm")
    c.check(rc == 0 and out.startswith("*init_task.active_mm = {\n"), f"p *init_task.active_mm: {out[:60]!r}")
    rc, out, _ = ksleuth(ks, vmlinux, dump, "p init_task.active_mm.pgd")
    mm = rd32(ks, vmlinux, dump, int(gdb_value(gdb_run(vmlinux, ["print &init_task.active_mm"])[0]), 16))
    pgd_off = int(gdb_value(gdb_run(vmlinux, ["print &((struct mm_struct *)0)->pgd"])[0]), 16)
    c.check(rc == 0 and ks_value(out) == f"{rd32(ks, vmlinux, dump, mm + pgd_off):#x}", f"p init_task.active_mm.pgd: {out!r}")
    rc, out, _ = ksleuth(ks, vmlinux, dump, "p init_task.active_mm->pgd == ((struct mm_struct *)init_task.active_mm)->pgd")
    c.check(rc == 0 and ks_value(out) == "1", f"-> and casts: {out!r}")
    # A 510-character expression (cut without a word before) and a longer one.
    text = "1" + "+1" * 254
    rc, out, err = ksleuth(ks, vmlinux, dump, f"eval {text}")
    c.check(rc == 0 and out.startswith("hexadecimal: ff\n"), f"eval of {len(text)} characters: {out!r} {err!r}")
    text = "1" + "+1" * 2100
    rc, out, err = ksleuth(ks, vmlinux, dump, f"eval {text}")
    c.check(rc == 1 and "is longer than the 4096 accepted" in err, f"eval of {len(text)} characters: {err!r}")
    rc, out, _ = ksleuth(ks, vmlinux, dump, "eval -1", json_mode=True)
    doc = json.loads(out) if rc == 0 else {}
    c.check(doc == {"hex": "0xffffffffffffffff", "decimal": 18446744073709551615}, f"eval -1 --json: {out!r}")
    rc, out, _ = ksleuth(ks, vmlinux, dump, "p init_task.pid", json_mode=True)
    doc = json.loads(out) if rc == 0 else {}
    c.check(sorted(doc) == ["address", "expr", "type", "value"] and doc["type"] == "pid_t", f"p --json: {out!r}")
    rc, out, _ = ksleuth(ks, vmlinux, dump, "p current_task", json_mode=True)
    c.check(rc == 0 and len(out.splitlines()) == 1 and "per_cpu" in json.loads(out), f"p current_task --json: {out!r}")


def check_regressions(c, ks, vmlinux, dump):
    for cmd, status, stdout, stderr in REGRESSIONS:
        rc, out, err = ksleuth(ks, vmlinux, dump, cmd)
        c.check(rc == status and (stdout is None or out == stdout) and (stderr is None or err.strip().startswith(stderr)),
                f"{cmd}: exit {rc} (want {status}), stdout {out!r}, stderr {err.strip()!r} (want {stderr!r})")
    # [1][2] is one element, not the row (the value gdb's address holds).
    rc, out, _ = ksleuth(ks, vmlinux, dump, "p kmalloc_caches[1][2]")
    c.check(rc == 0 and re.match(r"^kmalloc_caches\[1\]\[2\] = 0x[0-9a-f]+\n$", out), f"p kmalloc_caches[1][2]: {out!r}")


def main():
    if len(sys.argv) != 4:
        print(__doc__, file=sys.stderr)
        return 2
    ks, vmlinux, dump = sys.argv[1:]
    c = Checks("expr")
    check_gdb_cases(c, ks, vmlinux, dump)
    check_percpu(c, ks, vmlinux, dump)
    check_idioms(c, ks, vmlinux, dump)
    check_regressions(c, ks, vmlinux, dump)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
