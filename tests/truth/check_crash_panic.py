#!/usr/bin/env python3
"""ksleuth against crash 8.0.2 on a panic sample's kdump vmcore (truth/crash/vmcore/, recorded by
dumps/recipe/crash-truth-panic.sh). Where crash works its output must be ksleuth's: sys (CPUS,
RELEASE, VERSION, DATE, MEMORY, MACHINE; crash's PANIC string is a record of ksleuth's log), mod
(name, struct module, base, size), sym -m (every module symbol's address), dis of every module
function (address, symbol+offset, mnemonic, branch target), the log's last 40 lines, ps for the
tasks crash lists (PID, PPID, CPU, ST, COMM, VSZ, the active mark), and bt for every task crash
unwinds: from the first stack address both name on, the same frames (stack address, function,
address) to the end of crash's list, and the same user-mode registers.
Where crash 8.0.2 is partial on 6.1 (docs/crash-comparison.md, "Panic samples") the test checks
only what its output does say: fewer tasks (those it lists must be ksleuth's), a smaller RSS
(crash leaves out MM_SHMEMPAGES), a jiffies uptime that trails, `bt PID` refused for tasks the
guest's own truth/workloads says exist (ksleuth must unwind them).

  check_crash_panic.py KSLEUTH SAMPLE_DIR VMCORE [--cache-dir DIR]"""
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kstruth import Checks, run_ksleuth, sample_args  # noqa: E402

FRAME = re.compile(r"^\s*#(\d+) \[([0-9a-f]+)\] (\S+) at ([0-9a-f]+)(?: \[(\w+)\])?\s*$")
HEADER = re.compile(r"^PID: (\d+)\s+TASK: ([0-9a-f]+)\s+CPU: (\d+)\s+COMMAND: \"(.*)\"")
REG = re.compile(r"\b(EAX|EBX|ECX|EDX|ESI|EDI|EBP|ESP|EIP|DS|ES|SS|CS|GS|EFLAGS):\s+([0-9a-f]+)")
DIS = re.compile(r"^0x([0-9a-f]+) <([\w.]+)(?:\+(\d+))?>:\t(.*)$")


def text(d, name):
    path = os.path.join(d, name)
    if not os.path.exists(path):
        return ""
    with open(path) as f:
        return f.read()


def crash_bt(t):
    """[{pid, task, cpu, command, frames: [(sp, function, addr, module)], regs}] in crash's order."""
    out = []
    for line in t.splitlines():
        m = HEADER.match(line)
        if m:
            out.append({"pid": int(m.group(1)), "task": int(m.group(2), 16), "cpu": int(m.group(3)),
                        "command": m.group(4), "frames": [], "regs": {}})
            continue
        f = FRAME.match(line)
        if f and out:
            out[-1]["frames"].append((int(f.group(2), 16), f.group(3), int(f.group(4), 16), f.group(5)))
        elif out and REG.search(line):
            out[-1]["regs"].update({k: int(v, 16) for k, v in REG.findall(line)})
    return out


def mnemonic_ok(ours, theirs):
    """gdb leaves out the operand-size suffix that capstone writes (movl/mov, rep stosl/rep stos)."""
    return ours == theirs or (ours[:-1] == theirs and ours[-1] in "bwl")


def check_bt(c, block, doc):
    """From the first stack address crash and ksleuth both name, crash's frames are ksleuth's."""
    who = f"bt {block['command']} (pid {block['pid']}, task {block['task']:#x})"
    frames = doc.get("frames", [])
    # A walk that starts from a CPU's registers has the interrupted function as frame 0, at ESP; crash
    # names the return address it finds there instead (the caller, which the kernel's trace marks "?").
    skip = 1 if doc.get("start", "").startswith("CPU registers") else 0
    ours = {int(f["sp"], 16): i for i, f in enumerate(frames) if i >= skip}
    first = next((i for i, fr in enumerate(block["frames"]) if fr[0] in ours), None)
    if not c.check(first is not None, f"{who}: no stack address of crash's {[hex(f[0]) for f in block['frames']]} in ksleuth's"):
        return 0
    j = ours[block["frames"][first][0]]
    n = 0
    for (sp, fn, addr, mod), f in zip(block["frames"][first:], frames[j:]):
        # crash names a return address by its call instruction, except a sleeping task's saved pc.
        want = f["pc"] if f["level"] == 0 and doc.get("start") == "saved switch frame" else f["call_pc"]
        got = (int(f["sp"], 16), f["function"], int(want, 16), f["module"])
        n += c.check(got == (sp, fn, addr, mod), f"{who}: crash [{sp:x}] {fn} at {addr:x} {mod or ''}, ksleuth {got}")
    c.check(len(frames) - j >= len(block["frames"]) - first, f"{who}: crash lists more frames than ksleuth from [{block['frames'][first][0]:x}]")
    if block["regs"]:
        user = [e for e in doc.get("exception_frames", []) if e.get("user")]
        regs = {k.upper(): int(v, 16) for k, v in user[-1]["regs"].items()} if user else {}
        for k, v in block["regs"].items():
            c.check(regs.get(k) == v, f"{who}: user-mode {k} {v:#x}, ksleuth {regs.get(k)}")
    return n


def main():
    a = sample_args(__doc__)
    d = os.path.join(a.sample, "truth", "crash", "vmcore")
    c = Checks(f"crash-panic/{os.path.basename(a.sample)}")
    bt_blocks = crash_bt(text(d, "bt.txt")) + crash_bt(text(d, "bt_a.txt")) + crash_bt(text(d, "bt_pids.txt"))
    refused = [int(p) for p in re.findall(r"^bt: invalid task or pid value: (\d+)$", text(d, "bt_pids.txt"), re.M)]
    sym_m = re.findall(r"^([0-9a-f]{8}) \((.)\) ([\w.]+)$", text(d, "sym.txt"), re.M)
    dis = [m for m in (DIS.match(l) for l in text(d, "dis.txt").splitlines()) if m]
    ps = re.findall(r"^(>?)\s+(\d+)\s+(\d+)\s+(\d+)\s+([0-9a-f]{8})\s+(\w\w)\s+[\d.]+\s+(\d+)\s+(\d+)\s+(.*?)\s*$", text(d, "ps.txt"), re.M)
    mods = re.findall(r"^([0-9a-f]{8})\s+(\w+)\s+([0-9a-f]{8})\s+(\d+)\s", text(d, "mod.txt"), re.M)
    sysf = {m.group(1): m.group(2).strip() for m in re.finditer(r"^\s*([A-Z ]+): (.*)$", text(d, "sys.txt"), re.M)}
    log_tail = text(d, "log_tail.txt").splitlines()
    if not c.check(sysf and bt_blocks and mods and sym_m and dis and ps and log_tail,
                   f"crash's output in {d} is missing or empty"):
        return c.finish()

    tasks = []
    for b in bt_blocks:
        if b["task"] not in tasks:
            tasks.append(b["task"])
    cmds = ["sys", "mod", "ps", "log"] + [f"sym {name}" for _, _, name in sym_m] + [f"bt {t:x}" for t in tasks]
    cmds += [f"dis {int(m.group(1), 16):x} 1" for m in dis] + [f"bt {p}" for p in refused]
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, cmds, cache_dir=a.cache_dir)
    if not c.check(rc == 0 and len(docs) == len(cmds), f"ksleuth failed ({rc}, {len(docs)} of {len(cmds)}): {err.strip()[:300]}"):
        return c.finish()
    sys_doc, mod_doc, ps_doc, log_doc = docs[:4]
    docs = docs[4:]
    sym_docs, docs = docs[:len(sym_m)], docs[len(sym_m):]
    bt_docs, docs = dict(zip(tasks, docs[:len(tasks)])), docs[len(tasks):]
    dis_docs, refused_docs = docs[:len(dis)], docs[len(dis):]

    # sys
    for key, ours in (("CPUS", str(sys_doc["cpus"])), ("RELEASE", sys_doc["release"]), ("VERSION", sys_doc["version"]),
                      ("DATE", time.strftime("%a %b %e %H:%M:%S UTC %Y", time.gmtime(sys_doc["date_epoch"]))),
                      ("MACHINE", sys_doc["machine"])):
        theirs = sysf.get(key, "").split("  (")[0]
        c.check(theirs == ours, f"sys {key}: crash {theirs!r}, ksleuth {ours!r}")
    m = re.match(r"([\d.]+) MB$", sysf.get("MEMORY", ""))
    c.check(m is not None and abs(sys_doc["memory_bytes"] / 2**20 - float(m.group(1))) < 0.05, f"sys MEMORY: crash {sysf.get('MEMORY')}, ksleuth {sys_doc['memory_bytes']}")
    records = [r["text"] for r in log_doc["records"]]
    panic = re.match(r'"(.*)"', sysf.get("PANIC", ""))
    c.check(panic is not None and panic.group(1) in records, f"sys PANIC: crash's {sysf.get('PANIC')} is no record of ksleuth's log")
    # crash counts the tasks it found (its walk misses most on 6.1) and jiffies; ksleuth all threads and the timekeeper.
    c.check(0 < int(sysf.get("TASKS", 0)) <= sys_doc["tasks"], f"sys TASKS: crash {sysf.get('TASKS')}, ksleuth {sys_doc['tasks']}")
    h, mi, s = (int(x) for x in sysf.get("UPTIME", "0:0:0").split(":"))
    c.check(h * 3600 + mi * 60 + s <= sys_doc["uptime_sec"], f"sys UPTIME: crash {sysf.get('UPTIME')} beyond ksleuth's {sys_doc['uptime_sec']} s")

    # mod and sym -m
    ours = {x["name"]: (int(x["module"], 16), int(x["base"], 16), x["size"]) for x in mod_doc["modules"]}
    for module, name, base, size in mods:
        c.check(ours.get(name) == (int(module, 16), int(base, 16), int(size)), f"mod {name}: crash {module} {base} {size}, ksleuth {ours.get(name)}")
    # crash's type letter: "?" for data, and (T) for cleanup_module, which /proc/kallsyms lists as t.
    for (addr, kind, name), doc in zip(sym_m, sym_docs):
        s = (doc.get("symbols") or [{}])[0]
        c.check(s.get("address") == hex(int(addr, 16)) and s.get("module") == mods[0][1] and kind.lower() in ("?", s.get("type", "").lower()),
                f"sym {name}: crash {addr} ({kind}), ksleuth {s}")

    # dis: one instruction at each of crash's addresses
    for m, doc in zip(dis, dis_docs):
        addr, fn, off, rest = int(m.group(1), 16), m.group(2), int(m.group(3) or 0), m.group(4).split("#")[0]
        theirs = rest.split("<")[0].split()
        ins = (doc.get("instructions") or [{}])[0]
        mn = theirs[0] + (" " + theirs[1] if theirs[0] in ("rep", "repz", "repnz", "lock") and len(theirs) > 1 else "")
        target = re.search(r"\b0x([0-9a-f]+) <", rest)
        ok = (ins.get("address") == hex(addr) and ins.get("symbol") == fn and ins.get("offset") == off
              and mnemonic_ok(ins.get("mnemonic", ""), mn)
              and (target is None or ins.get("target") == hex(int(target.group(1), 16))))
        c.check(ok, f"dis {addr:#x}: crash <{fn}+{off}> {rest!r}, ksleuth {ins}")

    # log | tail -n 40: crash's lines are the last lines of ksleuth's records
    lines = []
    for r in log_doc["records"]:
        ns = r["ts_nsec"]
        lines += [f"[{ns // 10**9:5d}.{ns % 10**9 // 1000:06d}] {t}" for t in r["text"].split("\n")]
    c.check([l.rstrip() for l in lines[-len(log_tail):]] == [l.rstrip() for l in log_tail],
            f"log | tail -n {len(log_tail)}: crash's lines differ from ksleuth's last records")

    # ps: the tasks crash lists
    by_task = {int(t["task"], 16): t for t in ps_doc["tasks"]}
    for active, pid, ppid, cpu, task, st, vsz, rss, comm in ps:
        t = by_task.get(int(task, 16), {})
        want = (int(pid), int(ppid), int(cpu), st, comm.strip("[]"), int(vsz), active == ">")
        got = (t.get("pid"), t.get("ppid"), t.get("cpu"), t.get("state"), t.get("comm"), t.get("vsz_kb"), t.get("running"))
        c.check(got == want, f"ps task {task}: crash {want}, ksleuth {got}")
        c.check(int(rss) <= t.get("rss_kb", -1), f"ps task {task}: crash RSS {rss} above ksleuth's {t.get('rss_kb')}")
    # On 6.1 crash sees only some tasks; on 5.10 it is a full peer and lists as many as ksleuth.
    c.check(len(ps) <= len(ps_doc["tasks"]), f"ps: crash lists {len(ps)} tasks, ksleuth {len(ps_doc['tasks'])}")

    # bt: every task crash unwinds, the frames it shares with ksleuth; tasks it refused, ksleuth unwinds.
    compared = 0
    for b in bt_blocks:
        doc = bt_docs[b["task"]]
        c.check((doc.get("pid"), doc.get("cpu"), doc.get("command")) == (b["pid"], b["cpu"], b["command"]),
                f"bt task {b['task']:#x}: crash PID {b['pid']} CPU {b['cpu']} {b['command']}, ksleuth {doc.get('pid')} {doc.get('cpu')} {doc.get('command')}")
        if b["frames"]:
            compared += check_bt(c, b, doc)
    c.check(compared > 0, "bt: no frame compared")
    for pid, doc in zip(refused, refused_docs):
        c.check(doc.get("pid") == pid and len(doc.get("frames", [])) > 0, f"bt {pid}: crash refused it, ksleuth gave {str(doc)[:200]}")
    print(f"bt: {compared} frames of {len(bt_blocks)} crash backtraces compared; crash refused bt for {len(refused)} pids")
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
