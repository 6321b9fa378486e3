#!/usr/bin/env python3
"""runq against QEMU and the guest:
  - each CPU's CURRENT task (rq->curr) is the task whose kernel stack holds that CPU's ESP as QEMU's
    `info registers` recorded it at the capture (task_struct.stack and THREAD_SIZE from gdb), or, if
    the CPU was in an interrupt, ESP is on that CPU's IRQ stack (hardirq/softirq_stack_ptr) and the
    current task is the CPU's idle task or another task of ps (it was interrupted);
  - every workload's CPU in ps (task_cpu) is the processor /proc/PID/stat field 39 recorded, and a
    task runq lists as queued on CPU N is a task of ps on CPU N;
  - runq -c CPU gives that CPU alone; a CPU the dump does not have is refused with one line.
Registered for QEMU captures (dump.kdump.gz / dump.elf.gz): a kdump vmcore's registers in
truth/qemu are the capture kernel's, not the crashed one's.

usage: check_runq.py KSLEUTH SAMPLE_DIR DUMP [--cache-dir DIR]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kstruth import Checks, Truth, check_refused, gdb_longs, run_ksleuth, sample_args  # noqa: E402


def read_words(a, addrs):
    cmds = [f"rd -32 {x:x} 1" for x in addrs]
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, cmds, cache_dir=a.cache_dir)
    return [int(d["values"][0], 16) for d in docs] if rc == 0 and len(docs) == len(cmds) else None


def irq_stacks(a, ncpus, thread_size):
    """Each CPU's IRQ stacks [(low, high)], from the per-CPU pointers (p -c is another helper's: the
    per-CPU offset is read from __per_cpu_offset)."""
    names = ["hardirq_stack_ptr", "softirq_stack_ptr"]
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, [f"sym {n}" for n in names + ["__per_cpu_offset"]],
                                cache_dir=a.cache_dir)
    syms = {}
    for d in docs:
        for s in d.get("symbols", []) if isinstance(d, dict) else []:
            syms[s.get("name")] = int(s["address"], 16) if isinstance(s.get("address"), str) else s.get("address")
    if "__per_cpu_offset" not in syms:
        return {}
    offsets = read_words(a, [syms["__per_cpu_offset"] + 4 * c for c in range(ncpus)]) or []
    out = {}
    for cpu, off in enumerate(offsets):
        ptrs = read_words(a, [(syms[n] + off) & 0xffffffff for n in names if n in syms]) or []
        # irq_init_percpu_irqstack(): the pointer is the irq_stack's base, THREAD_SIZE long.
        out[cpu] = [(p, p + thread_size) for p in ptrs]
    return out


def check_current(checks, a, truth, runq, tasks, stack_off, thread_size):
    esp = {cpu: regs["ESP"] for cpu, (regs, _) in truth.qemu_cpus().items() if "ESP" in regs}
    if not checks.check(len(esp) == len(runq), f"QEMU has {len(esp)} CPUs, runq {len(runq)}"):
        return
    currents = [int(r["current"]["task"], 16) for r in runq]
    stacks = read_words(a, [c + stack_off for c in currents])
    if not checks.check(stacks is not None, "task_struct.stack of the current tasks unreadable"):
        return
    irq = None
    for r, cur, stack in zip(runq, currents, stacks):
        cpu, sp = r["cpu"], esp.get(r["cpu"])
        on_task_stack = stack <= sp < stack + thread_size
        if not on_task_stack:
            irq = irq if irq is not None else irq_stacks(a, len(runq), thread_size)
            on_irq = any(lo <= sp < hi for lo, hi in irq.get(cpu, []))
            checks.check(on_irq and cur in tasks, f"CPU {cpu}: ESP {sp:#x} is neither on current task {cur:#x}'s "
                                                  f"stack {stack:#x}+{thread_size:#x} nor on the CPU's IRQ stacks")
        else:
            checks.check(True, "")
        checks.check(cur in tasks and tasks[cur]["cpu"] == cpu, f"CPU {cpu}: current {cur:#x} is not a task of ps on it")


def field39(truth, pid):
    stat = truth.text(f"pid/{pid}/stat")
    rest = stat[stat.rindex(")") + 2:].split()   # fields 3.. after "pid (comm) "
    return int(rest[39 - 3])


def check_task_cpus(checks, truth, runq, tasks):
    by_pid = {t["pid"]: t for t in tasks.values()}
    pids = sorted(int(p) for p in os.listdir(os.path.join(truth.dir, "pid")) if p.isdigit() and truth.exists(f"pid/{p}/stat"))
    for pid in pids:
        if checks.check(pid in by_pid, f"PID {pid} of truth/pid is not in ps"):
            checks.check(by_pid[pid]["cpu"] == field39(truth, pid),
                         f"PID {pid}: ps CPU {by_pid[pid]['cpu']}, /proc/{pid}/stat field 39 says {field39(truth, pid)}")
    for r in runq:
        for q in r["rt"] + r["cfs"]:
            t = tasks.get(int(q["task"], 16))
            checks.check(t is not None and t["cpu"] == r["cpu"], f"queued task {q['task']} on CPU {r['cpu']}: ps says {t}")


def main():
    a = sample_args(__doc__)
    truth = Truth(a.sample)
    checks = Checks(f"runq {os.path.basename(a.sample)}")
    stack_off, thread_size = gdb_longs(a.vmlinux, ["&((struct task_struct *)0)->stack", "sizeof(union thread_union)"])
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, ["runq", "ps", "runq -c 1"], cache_dir=a.cache_dir)
    if not checks.check(rc == 0 and len(docs) == 3, f"runq/ps: rc {rc} {err.strip()[:300]}"):
        return checks.finish()
    runq = docs[0]["runqueues"]
    tasks = {int(t["task"], 16): t for t in docs[1]["tasks"]}
    checks.check([r["cpu"] for r in runq] == list(range(len(runq))), f"runq CPUs {[r['cpu'] for r in runq]}")
    checks.check(docs[2]["runqueues"] == runq[1:2], "runq -c 1 is not CPU 1's runqueue of runq")
    check_current(checks, a, truth, runq, tasks, stack_off, thread_size)
    check_task_cpus(checks, truth, runq, tasks)
    check_refused(checks, a, (("runq -c 99", "no CPU 99"), ("runq -x", "usage")))
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
