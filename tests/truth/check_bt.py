#!/usr/bin/env python3
"""bt against the kernel's own unwinder.

Truth, none of it from ksleuth:
  - the crash report the kernel printed on its console (truth/console-with-capture.log or
    truth/console.log): the "CPU: N PID: P Comm: C" line, the "Call Trace:" that follows, and
    the register lines (EAX: ... EFLAGS:) of the user-mode entry frame or of the oops;
  - truth/sysrq-t where the sample has it: the kernel's trace of every task (sysrq t) a moment
    before the crash, and truth/pid/PID/stack (/proc/PID/stack);
  - truth/oops (the oops block) and truth/qemu/info-registers where the sample has them.
The kernel marks frames it is unsure of with "?": only the others are compared, in order, and
they must equal bt's frames function for function and offset for offset (return addresses, as
the kernel prints them with %pB) from the first function both list to the end.

usage: check_bt.py KSLEUTH SAMPLE_DIR DUMP [--cache-dir DIR]
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kstruth import Checks, Truth, run_ksleuth, sample_args  # noqa: E402

REGS_LINE = re.compile(r"^(EIP: \S+\+0x|Code: |EAX: |ESI: |DS: |CR0: )")
STAMP = re.compile(r"^\[\s*\d+\.\d+\]\s?")
ENTRY = re.compile(r"^\s*(\? )?([\w.]+)\+0x([0-9a-f]+)/0x([0-9a-f]+)(?: \[(\w+)\])?\s*$")
TASK_LINE = re.compile(r"CPU: (\d+) PID: (\d+) Comm: (\S+)")
SYSRQ_TASK = re.compile(r"task:(\S+)\s+state:(\S+).*\spid:\s*(\d+)")
REG_WORD = re.compile(r"\b(EAX|EBX|ECX|EDX|ESI|EDI|EBP|ESP|DS|ES|FS|GS|SS|EFLAGS|EIP): (?:\w+:)?(?:0x)?([0-9a-f]+)\b")


def unstamp(text):
    return [STAMP.sub("", line) for line in text.splitlines()]


def trace_after(lines, i):
    """The reliable entries of the Call Trace starting at lines[i], and where it ended."""
    out = []
    j = i + 1
    while j < len(lines):
        line = lines[j]
        if line.strip() in ("<IRQ>", "</IRQ>", "<SOFTIRQ>", "</SOFTIRQ>", "<TASK>", "</TASK>", "<NMI>", "</NMI>"):
            j += 1
            continue
        m = ENTRY.match(line)
        if not m and REGS_LINE.match(line):
            j += 1          # an entry frame's registers, printed inside the trace: it goes on after them
            continue
        if not m:
            break
        if not m.group(1):
            out.append((m.group(2), int(m.group(3), 16), m.group(5)))
        j += 1
    return out, j


EIP_SYM = re.compile(r"^EIP: ([\w.]+)\+0x([0-9a-f]+)/0x[0-9a-f]+(?: \[(\w+)\])?")


def reg_words(lines):
    regs = {}
    for line in lines:
        if re.match(r"^(EAX|ESI|DS|EIP|EFLAGS):", line.strip()) or " EFLAGS: " in line:
            for r, v in REG_WORD.findall(line):
                regs.setdefault(r, int(v, 16))
    return regs


def crash_reports(lines):
    """[report] for each CPU:/Call Trace: report in a console log: who, the trace, the registers
    printed before it (an oops: the faulting EIP as function+offset) and after it (the user-mode
    entry frame)."""
    reports, who, since = [], None, 0
    for i, line in enumerate(lines):
        m = TASK_LINE.search(line)
        if m:
            who, since = (int(m.group(2)), int(m.group(1)), m.group(3)), i
        if line.strip() == "Call Trace:" and who:
            trace, end = trace_after(lines, i)
            before = lines[since:i]
            eip = next((EIP_SYM.match(l.strip()) for l in before if EIP_SYM.match(l.strip())), None)
            reports.append({"pid": who[0], "cpu": who[1], "comm": who[2], "trace": trace,
                            "regs_before": reg_words(before), "regs_after": reg_words(lines[end:end + 6]),
                            "eip": (eip.group(1), int(eip.group(2), 16), eip.group(3)) if eip else None})
            who = None
    return reports


def regs_of(exc):
    return {r.upper(): int(v, 16) for r, v in exc["regs"].items()}


def sysrq_traces(lines):
    """{pid: trace} from a sysrq t dump: a "task:... pid:N" line, then its Call Trace."""
    out, pid = {}, None
    for i, line in enumerate(lines):
        m = SYSRQ_TASK.search(line)
        if m:
            pid = int(m.group(3))
        if line.strip() == "Call Trace:" and pid is not None:
            out[pid], _ = trace_after(lines, i)
            pid = None
    return out


def ours(doc):
    """bt's return-address frames as the kernel names them: (function, offset, module). Frames
    from registers are left out: the kernel prints those as an EIP: line, not in the trace."""
    return [(f["function"], f["offset"], f["module"]) for f in doc["frames"] if f["function"] is not None and not f["exact"]]


ALIASES = {}   # symbol name -> its address in the vmlinux (nm): aliases name one function


def load_aliases(vmlinux):
    out = subprocess.run(["nm", vmlinux], capture_output=True, text=True, check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if len(f) == 3 and f[1] in "tTwW":
            ALIASES.setdefault(f[2], int(f[0], 16))


def canonical(frames):
    """Frames with each function named by its address where the vmlinux knows it: the kernel's
    kallsyms and the ELF symbol table may pick different aliases (__do_sys_pause, __ia32_sys_pause)."""
    return [(ALIASES.get(f, f), o, m) for f, o, m in frames]


def compare(checks, what, kernel, mine):
    """kernel's reliable frames from the first one bt also has, against bt's from there."""
    kernel, mine = canonical(kernel), canonical(mine)
    names = [f[0] for f in mine]
    start = next((k for k, f in enumerate(kernel) if f[0] in names), None)
    if not checks.check(start is not None, f"{what}: no frame of the kernel's trace {kernel[:3]} in bt's {mine[:4]}"):
        return
    kernel = kernel[start:]
    at = names.index(kernel[0][0])
    got = mine[at:at + len(kernel)]
    if kernel[0][0] == ALIASES.get("panic", "panic") and got:
        # panic() printed its trace from dump_stack() and saved the dump's registers later, in
        # __crash_kexec(): the same frame, at another call inside it.
        kernel = [(got[0][0], got[0][1], kernel[0][2])] + kernel[1:]
    checks.check([(f, o) for f, o, _ in got] == [(f, o) for f, o, _ in kernel],
                 f"{what}: kernel {kernel} != bt {got}")
    mods = [m for _, _, m in kernel]
    checks.check([m for _, _, m in got] == mods, f"{what}: modules {mods} != {[m for _, _, m in got]}")


def check_report(checks, args, rep):
    pid, cpu = rep["pid"], rep["cpu"]
    cmd = f"bt -c {cpu}" if pid == 0 else f"bt {pid}"
    rc, docs, err = run_ksleuth(args.ksleuth, args.vmlinux, args.dump, [cmd], cache_dir=args.cache_dir)
    if not checks.check(rc == 0 and docs, f"{cmd}: rc {rc} {err.strip()}"):
        return
    doc = docs[0]["tasks"][0] if "tasks" in docs[0] else docs[0]
    checks.check(doc["pid"] == pid and doc["command"] == rep["comm"][:15], f"{cmd}: task {doc['pid']} {doc['command']} != {pid} {rep['comm']}")
    compare(checks, f"crash trace of pid {pid}", rep["trace"], ours(doc))
    start = [e for e in doc["exception_frames"] if e["start"]]
    if rep["eip"] and checks.check(start and doc["frames"], f"pid {pid}: bt did not start from the dump's registers"):
        # An oops: the dump's registers are the faulting ones (crash_kexec(regs) from oops_end()).
        f = doc["frames"][0]
        checks.check((f["function"], f["offset"], f["module"]) == rep["eip"], f"oops EIP {rep['eip']} != bt #0 {f['function']}+{f['offset']:#x}")
        got = regs_of(start[0])
        for r, v in rep["regs_before"].items():
            if r in got:
                checks.check(got[r] == v, f"oops {r}: bt {got[r]:#x} != kernel {v:#x}")
    regs = rep["regs_after"]
    user = [e for e in doc["exception_frames"] if e["user"]]
    if regs.get("EIP", 0xc0000000) < 0xc0000000 and checks.check(user, f"pid {pid}: no user-mode exception frame"):
        got = regs_of(user[-1])
        for r in ("EAX", "EBX", "ECX", "EDX", "ESI", "EDI", "EBP", "ESP", "EIP", "EFLAGS"):
            if r in regs:
                checks.check(got[r] == regs[r], f"pid {pid} {r}: bt {got[r]:#x} != kernel {regs[r]:#x}")


def check_qemu_registers(checks, args, truth):
    """A QEMU capture: bt -a starts each CPU from the registers QEMU's monitor showed at the stop."""
    qemu = {cpu: regs for cpu, (regs, _) in truth.qemu_cpus().items()}
    rc, docs, err = run_ksleuth(args.ksleuth, args.vmlinux, args.dump, ["bt -a"], cache_dir=args.cache_dir)
    if not checks.check(rc == 0 and docs, f"bt -a: rc {rc} {err.strip()}"):
        return
    for t in docs[0]["tasks"]:
        start = [e for e in t["exception_frames"] if e["start"]]
        if not checks.check(start and t["cpu"] in qemu, f"CPU {t['cpu']}: no start registers or no QEMU record"):
            continue
        got = regs_of(start[0])
        for r, v in qemu[t["cpu"]].items():
            mine = got["EFLAGS" if r == "EFL" else r]
            checks.check(mine == v, f"CPU {t['cpu']} {r}: bt {mine:#x} != QEMU {v:#x}")


def check_sysrq(checks, args, truth):
    traces = sysrq_traces(unstamp(truth.text("sysrq-t")))
    workloads = {int(w["pid"]) for w in truth.workloads() if "pid" in w}
    # One `foreach bt` gives every task's trace, as crash users take them.
    rc, docs, err = run_ksleuth(args.ksleuth, args.vmlinux, args.dump, ["foreach bt"], cache_dir=args.cache_dir)
    results = docs[0].get("results", []) if docs else []
    checks.check(rc == 0 and results, f"foreach bt: rc {rc} {err.strip()[:300]}")
    by_pid = {}
    for d in results:
        by_pid.setdefault(d.get("pid"), d)
    missing = sorted(set(traces) - set(by_pid))
    # A task that exited between the sysrq dump and the crash is gone; most are still there.
    checks.check(len(missing) * 10 <= len(traces), f"foreach bt lacks {len(missing)} of sysrq-t's tasks: {missing}")
    same = 0
    for pid, trace in sorted(traces.items()):
        if not trace or pid not in by_pid:
            continue
        mine = ours(by_pid[pid])
        if pid in workloads:   # asleep from the sysrq dump to the crash: the stack cannot have changed
            compare(checks, f"sysrq-t trace of workload {pid}", trace, mine)
        same += [(f, o) for f, o, _ in canonical(mine)] == [(f, o) for f, o, _ in canonical(trace)]
    # Other tasks may run between the sysrq dump and the crash; most sleep where they slept.
    checks.check(traces and same * 10 >= len(traces) * 7, f"only {same} of {len(traces)} sysrq-t traces equal bt's")
    print(f"sysrq-t: {same} of {len(traces)} traces identical")


def check_proc_stack(checks, args, truth):
    for w in truth.workloads():
        pid = w.get("pid")
        if not pid or not truth.exists(f"pid/{pid}/stack"):
            continue
        trace, _ = trace_after(["Call Trace:"] + [re.sub(r"^\[<[0-9a-f]+>\] ", " ", l) for l in truth.text(f"pid/{pid}/stack").splitlines()], 0)
        rc, docs, _ = run_ksleuth(args.ksleuth, args.vmlinux, args.dump, [f"bt {pid}"], cache_dir=args.cache_dir)
        if checks.check(rc == 0 and docs, f"bt {pid} failed") and trace:
            compare(checks, f"/proc/{pid}/stack", trace, ours(docs[0]))


def main():
    args = sample_args(__doc__)
    load_aliases(args.vmlinux)
    truth = Truth(args.sample)
    checks = Checks(f"bt {os.path.basename(args.sample)}")
    console = next((n for n in ("console-with-capture.log", "console.log") if truth.exists(n)), None)
    reports = crash_reports(unstamp(truth.text(console))) if console else []
    # The last report is the one the dump was taken for (earlier ones are warnings or sysrq output).
    panics = [r for r in reports if r["trace"]]
    if checks.check(panics, "no crash report with a Call Trace in the console log"):
        check_report(checks, args, panics[-1])
    if os.path.basename(args.dump).startswith("dump.") and truth.exists("qemu/info-registers"):
        check_qemu_registers(checks, args, truth)
    if truth.exists("sysrq-t"):
        check_sysrq(checks, args, truth)
    check_proc_stack(checks, args, truth)
    # Every task unwinds without an error, and no walk stops early.
    rc, docs, err = run_ksleuth(args.ksleuth, args.vmlinux, args.dump, ["ps"], cache_dir=args.cache_dir)
    pids = sorted({t["pid"] for t in docs[0]["tasks"]}) if docs else []
    cmds = [f"bt {pid}" for pid in pids if pid] + ["bt -a"]
    rc, docs, err = run_ksleuth(args.ksleuth, args.vmlinux, args.dump, cmds, cache_dir=args.cache_dir)
    checks.check(pids and rc == 0 and len(docs) == len(cmds), f"bt over every task ({len(pids)} from ps): rc {rc}, {len(docs)} of {len(cmds)}: {err.strip()[:300]}")
    for d in docs:
        for t in d.get("tasks", [d]):
            checks.check(t.get("stop") is None, f"bt {t.get('pid')}: stopped: {t.get('stop')}")
            checks.check(len(t.get("frames", [])) > 0 or t.get("exception_frames"), f"bt {t.get('pid')}: no frames")
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
