#!/usr/bin/env python3
"""A session never loses the user's work, and says when something went wrong (issue 15), in batch
mode on np-96m: standard descriptors closed at start, output that cannot be written, pipelines that
fail, redirection syntax, exit statuses, partial reads, `set` of a non-task, JSON for help and set,
Ctrl-C in a batch — and the golden kit, which must not pass on nothing.

  check_session.py KSLEUTH DUMPS WORKDIR [--cache-dir DIR]"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "truth"))
from kstruth import Checks  # noqa: E402

GUARD = 120   # seconds: a hang is a failure, not a wait
SANITIZER = ("AddressSanitizer", "LeakSanitizer", "runtime error:")


class Run:
    def __init__(self, ksleuth, sample, work, env):
        self.k, self.work, self.env = ksleuth, work, env
        self.v, self.d = os.path.join(sample, "vmlinux"), os.path.join(sample, "dump.kdump.gz")

        self.reports = []     # sanitizer reports of any run

    def noted(self, p):
        if any(w in p.stderr for w in SANITIZER):
            self.reports.append(p.stderr[-600:])
        return p

    def __call__(self, *args, stdin=subprocess.DEVNULL, files=True):
        argv = [self.k, *args] + ([self.v, self.d] if files else [])
        return self.noted(subprocess.run(argv, stdin=stdin, capture_output=True, text=True, timeout=GUARD, env=self.env,
                                         cwd=self.work))

    def sh(self, script):
        """A shell line with $K $V $D, for descriptors only a shell closes (<&-, >&-)."""
        env = dict(self.env, K=self.k, V=self.v, D=self.d)
        return self.noted(subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=GUARD, env=env,
                                         cwd=self.work))

    def path(self, name):
        return os.path.join(self.work, name)


def expect(c, p, rc, err, what):
    lines = [l for l in p.stderr.splitlines() if l.strip()]
    c.check(p.returncode == rc, f"{what}: exit status {p.returncode}, expected {rc}; stderr {p.stderr.strip()[:300]!r}")
    if err is not None:
        c.check(any(err in l for l in lines), f"{what}: no stderr line says {err!r}: {lines[:3]}")


def standard_fds(c, r):
    p = r.sh('"$K" "$V" "$D" <&-')
    expect(c, p, 0, None, "standard input closed")
    c.check(p.stderr.strip() == "", f"standard input closed: the vmlinux was read as commands: {p.stderr[:200]!r}")
    expect(c, r.sh('"$K" "$V" "$D" < "$V"'), 2, "standard input is", "standard input is the vmlinux")
    expect(c, r.sh('"$K" -c sys "$V" "$D" >&-'), 1, "cannot write the output", "standard output closed")
    expect(c, r("-c", "sys > /dev/full"), 1, "No space left on device", "sys > /dev/full")
    expect(c, r.sh('"$K" -c sys "$V" "$D" > /dev/full'), 1, "cannot write the output", "ksleuth > /dev/full")


def pipelines(c, r):
    expect(c, r("-c", "sys | false; sys | head -1"), 1, "pipeline false exited with status 1", "sys | false")
    expect(c, r("-c", "sys | no_such_cmd_ksleuth"), 1, "command not found (status 127)", "sys | no_such_cmd")
    expect(c, r("-c", "sys |  "), 1, "no command after |", "sys | (nothing)")
    p = r("-c", "sys | head -1; log | tail -1")
    expect(c, p, 0, None, "a reader that stops early (head)")
    c.check(p.stdout.count("\n") == 2, f"sys | head -1; log | tail -1: {p.stdout!r}")


def redirections(c, r):
    for name in ("a b", "one", "two", "app", "crlf.txt", "crlf.txt\r", "2"):
        if os.path.exists(r.path(name)):
            os.remove(r.path(name))
    p = r("-c", 'sys > "a b"')
    c.check(p.returncode == 0 and "RELEASE" in open(r.path("a b")).read(), f'sys > "a b": {p.returncode} {p.stderr!r}')
    expect(c, r("-c", "sys > one > two"), 1, "one output file at a time", "sys > one > two")
    c.check(not os.path.exists(r.path("one")) and not os.path.exists(r.path("two")), "sys > one > two wrote a file")
    expect(c, r("-c", "sys >"), 1, "no file name after >", "sys >")
    expect(c, r("-c", "sys > one | cat"), 1, "a pipeline after a file", "sys > one | cat")
    p = r("-c", "sys > app; sys >> app")
    c.check(p.returncode == 0 and open(r.path("app")).read().count("RELEASE") == 2, "sys >> app did not append")
    with open(r.path("crlf.cmds"), "wb") as f:
        f.write(b"sys > crlf.txt\r\nsys | head -1\r\n")
    p = r("-i", "crlf.cmds")
    c.check(p.returncode == 0 and os.path.exists(r.path("crlf.txt")) and not os.path.exists(r.path("crlf.txt\r")),
            f"a CRLF script line: {p.returncode} {p.stderr!r} {sorted(os.listdir(r.work))}")
    p = r("-c", "eval 1 >> 2; eval (8 >> 1)")
    c.check(os.path.exists(r.path("2")) and "decimal: 4" in p.stdout, f"eval 1 >> 2 / eval (8 >> 1): {p.stdout!r}")


def exit_statuses(c, r):
    expect(c, r("-i", r.work), 2, "is a directory", "-i DIRECTORY")
    expect(c, r("-i", "/nonexistent/cmds"), 2, "No such file", "-i /nonexistent")
    expect(c, r("-i", r.v), 2, "not a command script", "-i VMLINUX")
    expect(c, r("--raw", "--phys-base", "1"), 2, "not page aligned", "--raw --phys-base 1")
    expect(c, r("--phys-base", "1000"), 2, "--phys-base is for --raw", "--phys-base without --raw")
    expect(c, r("-c", "sys", r.v, r.work, files=False), 3, "is a directory", "a directory as the dump")


def truncated(c, r):
    """A kdump file cut in half says so, instead of 'vmlinux and dump do not match'."""
    src = os.path.join(os.path.dirname(r.v), "vmcore-d31.zlib.kdump")
    if not c.check(os.path.exists(src), f"{src} is missing"):
        return
    data = open(src, "rb").read()
    half = r.path("half.kdump")
    with open(half, "wb") as f:
        f.write(data[:len(data) // 2])
    expect(c, r("-c", "sys", r.v, half, files=False), 3, "truncated", "a kdump cut in half")


def partial_reads(c, r):
    p = r("-c", "rd -p 5fffffc 2")
    expect(c, p, 1, "4 of 8 bytes read from 0x5fffffc", "rd -p 5fffffc 2")
    c.check(" 5fffffc:  00000000" in p.stdout, f"rd -p 5fffffc 2 printed nothing before its error: {p.stdout!r}")
    expect(c, r("-c", "rd -p ffffffff"), 1, "from 0xffffffff: physical address 0x100000000", "rd -p ffffffff")
    expect(c, r("-c", "rd -p 0 4611686018427387904"), 1, "at most 16777216 bytes", "rd COUNT whose byte count wraps to 0")


def set_command(c, r):
    expect(c, r("-c", "set c0000000"), 1, "is not a task_struct on the task list", "set c0000000")
    expect(c, r("-c", "p -z x"), 1, "unknown option -z", "p -z x")
    # Every command that takes a TASK checks it the same way (cmd_parse_task).
    for cmd in ("bt c0000000", "vm c0000000", "task c0000000 pid", "foreach c0000000 bt"):
        expect(c, r("-c", cmd), 1, "is not a task_struct on the task list" if "foreach" not in cmd else "no task matches", cmd)
    expect(c, r("-c", "set -1"), 1, "unknown option -1", "set -1")
    p = r("-c", "set 40")
    expect(c, p, 0, None, "set 40")
    task = p.stdout.split("TASK: ")[-1].strip()
    expect(c, r("-c", f"set {task}"), 0, None, f"set {task} (PID 40's task_struct)")


def json_documents(c, r):
    cmds = ["help", "help rd", "set", "set 40", "set c0000000", "sym xyz linux_banner", "kmem -z -f"]
    p = r("--json", "-c", "; ".join(cmds))
    lines = p.stdout.splitlines()
    try:
        docs = [json.loads(l) for l in lines]
    except ValueError:
        docs = []
    c.check(len(docs) == len(cmds) == len(lines), f"--json help/set: {len(lines)} lines for {len(cmds)} commands: {p.stdout[:300]!r}")
    if len(docs) == len(cmds):
        c.check(any(d["name"] == "rd" for d in docs[0]["commands"]), f"help: {docs[0]}")
        c.check(docs[1]["name"] == "rd" and "usage" in docs[1], f"help rd: {docs[1]}")
        c.check(docs[2]["json"] is True and docs[2]["radix"] == 10, f"set: {docs[2]}")
        c.check(docs[3]["pid"] == 40 and docs[3]["task"].startswith("0x"), f"set 40: {docs[3]}")
        c.check("error" in docs[4], f"set c0000000: {docs[4]}")
        syms = docs[5].get("symbols", [])
        c.check([x["name"] for x in syms] == ["xyz", "linux_banner"] and syms[0]["address"] is None
                and syms[1]["address"].startswith("0x"), f"sym xyz linux_banner: {docs[5]}")
        kmem = docs[6].get("results", [])
        c.check(len(kmem) == 2 and "zones" in kmem[0] and "zones" in kmem[1], f"kmem -z -f: {str(docs[6])[:200]}")


def text_and_json(r, cmd):
    """The same command for people and for programs: (text, the JSON document or None)."""
    t, j = r("-c", cmd), r("--json", "-c", cmd)
    try:
        doc = json.loads(j.stdout) if j.returncode == 0 and len(j.stdout.splitlines()) == 1 else None
    except ValueError:
        doc = None
    return (t.stdout if t.returncode == 0 else ""), doc


def same_records(c, r, rp):
    """Issue 13's one output model for the commands ported last (bt, mod, dis, set, p, eval, whatis,
    struct/union): each prints one valid JSON document with its documented members, holding the same
    facts its text shows, on np-96m (r) and pae-panic (rp: a panic, a module)."""
    def doc_check(cmd, doc, keys):
        return c.check(doc is not None and keys <= set(doc), f"{cmd} --json: not a document with {sorted(keys)}: {doc}")

    text, doc = text_and_json(r, "bt 40")
    if doc_check("bt 40", doc, {"pid", "task", "cpu", "command", "start", "stop", "frames", "exception_frames"}):
        lines = [(int(m.group(1)), m.group(2), m.group(3), m.group(4))
                 for m in re.finditer(r"^ ?#(\d+) \[([0-9a-f]{8})\] (\S+) at ([0-9a-f]{8})", text, re.M)]
        frames = [(f["level"], f["sp"][2:].zfill(8), f["function"], f["call_pc"][2:].zfill(8)) for f in doc["frames"]]
        c.check(lines and lines == frames, f"bt 40: text frames {lines[:2]} vs JSON {frames[:2]}")
        c.check(text.count("EAX: ") == len(doc["exception_frames"]), f"bt 40: register blocks vs {doc['exception_frames']}")
    text, doc = text_and_json(rp, "bt -a")
    if doc_check("bt -a", doc, {"tasks"}):
        pids = [int(p) for p in re.findall(r"^PID: (\d+)", text, re.M)]
        c.check(pids and pids == [t["pid"] for t in doc["tasks"]], f"bt -a: PIDs {pids} vs {doc['tasks'][:1]}")
    text, doc = text_and_json(rp, "bt -e")
    if doc_check("bt -e", doc, {"found_exceptions"}):
        found = re.findall(r"^  (USER|KERNEL)-MODE exception frame at ([0-9a-f]{8}):", text, re.M)
        c.check(found and found == [("USER" if e["user"] else "KERNEL", e["address"][2:].zfill(8)) for e in doc["found_exceptions"]]
                and all("regs" in e for e in doc["found_exceptions"]), f"bt -e: {found} vs {doc['found_exceptions'][:1]}")
    text, doc = text_and_json(rp, "mod")
    if doc_check("mod", doc, {"modules"}):
        rows = [l.split()[:4] for l in text.splitlines()[1:]]
        c.check(rows and rows == [[m["module"][2:], m["name"], m["base"][2:], str(m["size"])] for m in doc["modules"]],
                f"mod: {rows} vs {doc['modules']}")
    text, doc = text_and_json(r, "dis schedule 8")
    if doc_check("dis schedule 8", doc, {"instructions"}):
        lines = re.findall(r"^0x([0-9a-f]+) <[^>]+>:\t(.*)$", text, re.M)
        c.check(len(lines) == 8 and lines == [(i["address"][2:], i["text"]) for i in doc["instructions"]],
                f"dis schedule 8: {lines[:2]} vs {doc['instructions'][:2]}")
    text, doc = text_and_json(r, "set 40")
    if doc_check("set 40", doc, {"pid", "command", "task"}):
        c.check(text == f"    PID: {doc['pid']}\nCOMMAND: \"{doc['command']}\"\n   TASK: {doc['task'][2:]}\n", f"set 40: {text!r} {doc}")
    text, doc = text_and_json(r, "p init_task.pid")
    if doc_check("p init_task.pid", doc, {"expr", "type", "address", "value"}):
        c.check(text == f"init_task.pid = {doc['value']}\n", f"p init_task.pid: {text!r} {doc}")
    text, doc = text_and_json(r, "p -c all cpu_number")
    if doc_check("p -c all cpu_number", doc, {"expr", "per_cpu"}):
        want = "".join(f"per_cpu(cpu_number, {e['cpu']}) = {e['value']}\n" for e in doc["per_cpu"])
        c.check(len(doc["per_cpu"]) >= 2 and text == want, f"p -c all cpu_number: {text!r} {doc}")
    text, doc = text_and_json(r, "eval 1000d")
    if doc_check("eval 1000d", doc, {"hex", "decimal"}):
        c.check(text.startswith(f"hexadecimal: {doc['hex'][2:]}\n    decimal: {doc['decimal']}\n") and doc["decimal"] == 1000,
                f"eval 1000d: {text!r} {doc}")
    text, doc = text_and_json(r, "whatis init_mm")
    if doc_check("whatis init_mm", doc, {"name", "kind", "declaration"}):
        c.check(doc["kind"] == "variable" and text == doc["declaration"] + ";\n", f"whatis init_mm: {text!r} {doc}")
    text, doc = text_and_json(r, "whatis enum zone_type")
    if doc_check("whatis enum zone_type", doc, {"name", "kind", "type", "size", "enumerators"}):
        lines = re.findall(r"^  (\w+) = (-?\d+),$", text, re.M)
        c.check(lines and lines == [(e["name"], str(e["value"])) for e in doc["enumerators"]]
                and text.endswith(f"SIZE: {doc['size']}\n"), f"whatis enum zone_type: {text!r} {doc}")
    text, doc = text_and_json(r, "struct list_head -o")
    if doc_check("struct list_head -o", doc, {"type", "size", "members"}):
        lines = re.findall(r"^  \[(\d+)\] .*?(\w+);$", text, re.M)
        c.check(lines and lines == [(str(m["offset"]), m["name"]) for m in doc["members"]], f"struct list_head -o: {lines} {doc}")
    text, doc = text_and_json(r, "struct task_struct.pid,comm init_task")
    if doc_check("struct task_struct.pid,comm", doc, {"type", "address", "members"}):
        m = doc["members"]
        c.check(text == f"  pid = {m['pid']},\n  comm = \"{m['comm']}\",\n", f"struct task_struct.pid,comm: {text!r} {doc}")
    text, doc = text_and_json(r, "union thread_union")
    doc_check("union thread_union", doc, {"type", "size", "members"})


def batch_interrupt(c, r):
    """Ctrl-C in a batch: the running command stops with 'interrupted', the rest do not run, 130."""
    argv = [r.k, "-c", "rd -p 100000 4000000; sys", r.v, r.d]
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=r.env)
    first = p.stdout.read(4096)
    p.send_signal(signal.SIGINT)
    try:
        out, err = p.communicate(timeout=GUARD)
    except subprocess.TimeoutExpired:
        p.kill()
        out, err = p.communicate()
    out = first + out
    c.check(not any(w.encode() in err for w in SANITIZER), f"batch Ctrl-C: sanitizer report: {err[-600:]!r}")
    c.check(p.returncode == 130, f"batch Ctrl-C: exit status {p.returncode}, expected 130")
    c.check(b"rd: interrupted" in err, f"batch Ctrl-C: no 'rd: interrupted': {err[-300:]!r}")
    c.check(b"RELEASE" not in out and len(out) < 16_000_000 * 4, "batch Ctrl-C: the batch went on")


def interrupt_waiting(c, r):
    """Ctrl-C while the batch waits for its next command on standard input ends it (130), no hang."""
    p = subprocess.Popen([r.k, r.v, r.d], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=r.env)
    p.stdin.write(b"sys\n")
    p.stdin.flush()
    first = p.stdout.readline()
    while b"RELEASE" not in first and first:
        first = p.stdout.readline()
    p.send_signal(signal.SIGINT)
    try:
        p.communicate(timeout=GUARD)
    except subprocess.TimeoutExpired:
        p.kill()
        p.communicate()
    c.check(p.returncode == 130, f"Ctrl-C while waiting for a command: exit status {p.returncode}, expected 130")


def golden_case(c, r, name, files, want, update=False):
    """A golden folder that would pass on nothing must fail, with a line saying why."""
    folder = r.path(f"golden-{name}")
    shutil.rmtree(folder, ignore_errors=True)
    for rel, text in files.items():
        path = os.path.join(folder, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if text is None:
            os.makedirs(path)
        else:
            with open(path, "w") as f:
                f.write(text.replace("$V", r.v).replace("$D", r.d))
    top = os.path.join(folder, "parent") if "parent/sub/golden.conf" in files else folder
    p = r("--golden", top, *(["--update"] if update else []), files=False)
    expect(c, p, 1, want, f"golden {name}")


def golden_kit(c, r):
    conf = "vmlinux=$V\ndump=$D\n"
    golden_case(c, r, "only-conf", {"golden.conf": conf}, "no NAME.cmds file")
    golden_case(c, r, "no-dump", {"golden.conf": "vmlinux=$V\n", "a.cmds": "sys\n"}, "has no dump=PATH line")
    golden_case(c, r, "no-dump-parent", {"parent/sub/golden.conf": "vmlinux=$V\n", "parent/sub/a.cmds": "sys\n"},
                "has no dump=PATH line")
    golden_case(c, r, "no-vmlinux", {"golden.conf": "dump=$D\n", "a.cmds": "sys\n"}, "has no vmlinux=PATH line")
    golden_case(c, r, "no-cmds", {"golden.conf": conf, "notes.txt": "x\n"}, "no NAME.cmds file")
    golden_case(c, r, "empty-cmds", {"golden.conf": conf, "a.cmds": "# nothing\n", "a.out": ""}, "no commands in it")
    golden_case(c, r, "out-is-dir", {"golden.conf": conf, "a.cmds": "sys\n", "a.out": None}, "Is a directory")
    golden_case(c, r, "cannot-write", {"golden.conf": conf, "a.cmds": "sys\n", "a.out": None}, "cannot write", update=True)
    golden_case(c, r, "no-out", {"golden.conf": conf, "a.cmds": "sys\n"}, "cannot read a.out")
    folder = r.path("golden-good")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    with open(os.path.join(folder, "golden.conf"), "w") as f:
        f.write(conf.replace("$V", r.v).replace("$D", r.d))
    with open(os.path.join(folder, "a.cmds"), "w") as f:
        f.write("sys | head -2\nrd -p 5fffffc 2\n")
    first = r("--golden", folder, "--update", files=False)
    again = r("--golden", folder, files=False)
    c.check(first.returncode == 0 and again.returncode == 0 and "1 passed, 0 failed" in again.stdout,
            f"a real golden folder: {first.returncode} {again.returncode} {again.stdout!r} {again.stderr!r}")
    c.check("4 of 8 bytes read" in open(os.path.join(folder, "a.out")).read(), "golden: the rd error is not in the transcript")


def checks_of_nothing(c):
    """The truth helpers' counter fails a run that compared nothing."""
    quiet = Checks("nothing")
    saved, sys.stdout = sys.stdout, open(os.devnull, "w")
    try:
        rc = quiet.finish()
    finally:
        sys.stdout.close()
        sys.stdout = saved
    c.check(rc != 0, "Checks.finish() passed with no check run")


def setup():
    """KSLEUTH DUMPS WORKDIR [--cache-dir DIR] as absolute paths: (ksleuth, np-96m folder, a fresh
    WORKDIR, an environment whose HOME is WORKDIR). Shared with check_repl.py."""
    ap = argparse.ArgumentParser()
    for name in ("ksleuth", "dumps", "work"):
        ap.add_argument(name)
    ap.add_argument("--cache-dir")
    a = ap.parse_args()
    work = os.path.abspath(a.work)
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = dict(os.environ, KSLEUTH_CACHE_DIR=os.path.abspath(a.cache_dir or os.path.join(work, "cache")), HOME=work)
    return os.path.abspath(a.ksleuth), os.path.join(os.path.abspath(a.dumps), "np-96m"), work, env


def main():
    r = Run(*setup())
    c = Checks("session")
    start = time.time()
    for step in (standard_fds, pipelines, redirections, exit_statuses, truncated, partial_reads, set_command,
                 json_documents, batch_interrupt, interrupt_waiting, golden_kit):
        step(c, r)
    panic = Run(r.k, os.path.join(os.path.dirname(os.path.dirname(r.v)), "pae-panic"), r.work, r.env)
    panic.d = os.path.join(os.path.dirname(panic.v), "vmcore.gz")
    same_records(c, r, panic)
    r.reports += panic.reports
    checks_of_nothing(c)
    c.check(not r.reports, f"sanitizer reports: {r.reports[:2]}")
    print(f"session checks took {time.time() - start:.0f} s", file=sys.stderr)
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
