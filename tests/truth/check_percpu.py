#!/usr/bin/env python3
"""Per-CPU variables (`p -c CPU VAR`, `p -c all VAR`, `p per_cpu(VAR, CPU)`) against facts from
outside ksleuth, on a QEMU capture whose `info registers` was recorded with the guest stopped:

  - each halted CPU (HLT=1: in the idle loop, not in an interrupt) has its stack pointer (QEMU's
    ESP) inside the kernel stack of the task ksleuth reads as that CPU's current task
    (`current_task`, or `pcpu_hot.current_task` where the DWARF has pcpu_hot: 6.2+); the stack's
    size is gdb's sizeof(union thread_union);
  - `cpu_number` of CPU N is N and `this_cpu_off` of CPU N is __per_cpu_offset[N] (the kernel
    sets both so in setup_per_cpu_areas);
  - one line per CPU in crash's form `per_cpu(VAR, N) = VALUE`, one per CPU QEMU shows, and the
    JSON document of the same command holds the same values.

  check_percpu.py KSLEUTH SAMPLE_DIR DUMP [--cache-dir DIR]"""
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kstruth import Checks, Truth, sample_args  # noqa: E402


def gdb_print(vmlinux, expr):
    """gdb's value of expr on the vmlinux alone ('$1 = 8192' -> '8192'), or None if gdb refuses it."""
    p = subprocess.run(["gdb", "-batch", "-nx", "-ex", f"print {expr}", vmlinux], capture_output=True, text=True,
                       timeout=600)
    m = re.search(r"^\$\d+ = (.*)$", p.stdout, re.M)
    return m.group(1) if m else None


def ksleuth(a, command, json_mode=False):
    args = [a.ksleuth] + (["--json"] if json_mode else []) + ["-c", command, a.vmlinux, a.dump]
    env = dict(os.environ, **({"KSLEUTH_CACHE_DIR": a.cache_dir} if a.cache_dir else {}))
    p = subprocess.run(args, capture_output=True, text=True, env=env, timeout=600)
    return p.returncode, p.stdout, p.stderr


def per_cpu_lines(c, a, var, ncpus):
    """{cpu: value text} from `p -c all VAR`, each line in crash's form."""
    rc, out, err = ksleuth(a, f"p -c all {var}")
    values = {}
    for line in out.splitlines():
        m = re.match(rf"^per_cpu\({re.escape(var)}, (\d+)\) = (.+)$", line)
        if c.check(m, f"p -c all {var}: not crash's per_cpu line: {line!r}"):
            values[int(m.group(1))] = m.group(2)
    c.check(rc == 0 and sorted(values) == list(range(ncpus)),
            f"p -c all {var}: CPUs {sorted(values)}, QEMU has {ncpus}; exit {rc} {err.strip()!r}")
    return values


def check_current(c, a, cpus):
    var = "pcpu_hot.current_task" if gdb_print(a.vmlinux, "&pcpu_hot") else "current_task"
    thread_size = int(gdb_print(a.vmlinux, "sizeof(union thread_union)") or 0)
    c.check(thread_size >= 4096, f"gdb: sizeof(union thread_union) = {thread_size}")
    current = per_cpu_lines(c, a, var, len(cpus))
    halted = [cpu for cpu, (esp, hlt) in cpus.items() if hlt and esp is not None]
    c.check(halted, "no halted CPU in QEMU's info registers: nothing to compare")
    for cpu in halted:
        esp = cpus[cpu][0]
        task = current.get(cpu, "").split(" ")[0]
        rc, out, err = ksleuth(a, f"p ((struct task_struct *){task})->stack")
        m = re.match(r"^.* = (0x[0-9a-f]+)$", out.strip())
        stack = int(m.group(1), 16) if m else None
        c.check(stack is not None and stack <= esp < stack + thread_size,
                f"CPU {cpu}: QEMU's ESP {esp:#x} is not on the stack of per_cpu({var}, {cpu}) = {task} "
                f"(stack {out.strip()!r} {err.strip()!r}, {thread_size} bytes)")
        rc, one, _ = ksleuth(a, f"p -c {cpu} {var}")
        rc2, inner, _ = ksleuth(a, f"p per_cpu({var.split('.')[0]}, {cpu})" + ("." + var.split(".", 1)[1] if "." in var else ""))
        c.check(one.strip() == f"per_cpu({var}, {cpu}) = {current.get(cpu)}" and inner.strip().endswith(f"= {task}"),
                f"CPU {cpu}: p -c {cpu} {var} {one.strip()!r}, per_cpu() {inner.strip()!r}")
    rc, out, _ = ksleuth(a, f"p -c all {var}", json_mode=True)
    doc = json.loads(out) if rc == 0 and out.strip() else {}
    got = {e["cpu"]: e["value"] for e in doc.get("per_cpu", [])}
    want = {cpu: v.split(" ")[0] for cpu, v in current.items()}
    c.check(doc.get("expr") == var and got == want, f"p -c all {var} --json: {got} vs text {want}")


def check_kernel_set(c, a, ncpus):
    numbers = per_cpu_lines(c, a, "cpu_number", ncpus)
    c.check(numbers and all(v == str(cpu) for cpu, v in numbers.items()), f"cpu_number per CPU: {numbers}")
    offsets = per_cpu_lines(c, a, "this_cpu_off", ncpus)
    rc, out, _ = ksleuth(a, "p __per_cpu_offset")
    m = re.match(r"^__per_cpu_offset = \{(.*)\}$", out.strip())
    table = [v.strip() for v in m.group(1).split(",")] if m else []
    c.check(offsets and all(cpu < len(table) and table[cpu] == v for cpu, v in offsets.items()),
            f"this_cpu_off per CPU {offsets} vs __per_cpu_offset {table}")
    rc, _, err = ksleuth(a, f"p -c {ncpus + 64} cpu_number")
    c.check(rc == 1 and "no CPU" in err, f"p -c {ncpus + 64} cpu_number: exit {rc}, {err.strip()!r}")


def main():
    a = sample_args(__doc__)
    truth = Truth(a.sample)
    c = Checks(f"percpu {os.path.basename(a.sample)}")
    # {cpu: (esp, halted)} from QEMU's info registers
    cpus = {cpu: (regs.get("ESP"), halted) for cpu, (regs, halted) in truth.qemu_cpus().items()}
    if c.check(cpus, "no CPU in QEMU's info registers"):
        check_current(c, a, cpus)
        check_kernel_set(c, a, len(cpus))
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
