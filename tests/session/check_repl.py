#!/usr/bin/env python3
"""The REPL on a terminal (a pty), as a person uses it on np-96m: Ctrl-C during a long command
stops it ("interrupted") and gives a new prompt where `sys` still works, and so does a pipeline
reader that quits (head), quietly; Ctrl-C on a half-typed line
drops the line; Tab completes command names after `help`, file names after `>`, settings after
`set`; the history file stays bounded and keeps what was typed.

  check_repl.py KSLEUTH DUMPS WORKDIR [--cache-dir DIR]"""
import os
import pty
import select
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "truth"))
from check_session import setup  # noqa: E402
from kstruth import Checks  # noqa: E402

PROMPT = b"ksleuth> "
WAIT = 60     # seconds for an answer: a hang is a failure


class Terminal:
    def __init__(self, argv, env):
        self.pid, self.fd = pty.fork()
        if self.pid == 0:
            try:
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        self.seen = self.before = b""
        self.transcript = b""     # all the terminal showed, for sanitizer reports

    def expect(self, text, wait=WAIT):
        """Read until text appears after what was already consumed; True if it did."""
        end = time.time() + wait
        while time.time() < end:
            at = self.seen.find(text)
            if at >= 0:
                self.before, self.seen = self.seen[:at], self.seen[at + len(text):]
                return True
            ready, _, _ = select.select([self.fd], [], [], 0.2)
            if ready:
                try:
                    data = os.read(self.fd, 65536)
                    self.seen += data
                    self.transcript += data
                except OSError:      # the other side is closed: ksleuth ended
                    break
        self.before = self.seen
        return False

    def send(self, data):
        os.write(self.fd, data)

    def settle(self, wait=1.0):
        """What arrives within wait seconds (after a Tab, which prints no fixed marker)."""
        self.expect(b"\0never\0", wait)
        text, self.seen = self.before, b""
        return text

    def finish(self):
        end = time.time() + WAIT
        while time.time() < end:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                return os.waitstatus_to_exitcode(status)
            self.settle(0.2)
        os.kill(self.pid, 9)
        os.waitpid(self.pid, 0)
        return None


def interrupt_long(c, t, cmd, marker):
    t.send(cmd + b"\n")
    if not c.check(t.expect(marker), f"{cmd!r} printed no {marker!r}"):
        return
    time.sleep(0.3)
    t.send(b"\x03")
    c.check(t.expect(b"interrupted\r\n"), f"Ctrl-C during {cmd!r}: no 'interrupted': {t.before[-200:]!r}")
    c.check(t.expect(PROMPT), f"Ctrl-C during {cmd!r}: no prompt after it")


def main():
    ksleuth, sample, work, env = setup()
    env["TERM"] = "dumb"
    os.makedirs(os.path.join(work, "files"))
    open(os.path.join(work, "files", "only-file"), "w").close()
    hist = os.path.join(work, ".ksleuth_history")
    with open(hist, "w") as f:
        f.writelines(f"old {i}\n" for i in range(200_001))
    os.chdir(work)
    t = Terminal([ksleuth, "-q", os.path.join(sample, "vmlinux"), os.path.join(sample, "dump.kdump.gz")], env)
    c = Checks("repl")
    if not c.check(t.expect(PROMPT), f"no first prompt: {t.before[-300:]!r}"):
        return c.finish()
    interrupt_long(c, t, b"kmem -p", b"PHYSICAL")
    interrupt_long(c, t, b"rd -p 100000 4000000", b"100000:")
    t.send(b"rd -p 100000 4000000 | head -2\n")
    c.check(t.expect(PROMPT) and t.before.count(b"\n") == 3 and b"interrupted" not in t.before,
            f"a pipeline reader that quit (head) stops the command quietly: {t.before[-300:]!r}")
    t.send(b"sys abc")
    time.sleep(0.3)
    t.send(b"\x03")
    c.check(t.expect(PROMPT), "Ctrl-C on a half-typed line: no new prompt")
    t.send(b"sys\n")
    c.check(t.expect(b"RELEASE") and t.expect(PROMPT), f"sys after Ctrl-C (the half-typed line must be gone): {t.before[-300:]!r}")
    t.send(b"help \t\t")
    shown = t.settle()
    c.check(b"whatis" in shown and b"vtop" in shown, f"Tab after 'help ': {shown!r}")
    t.send(b"\x03")
    t.expect(PROMPT)
    t.send(b"sys > files/on\t")
    shown = t.settle()
    c.check(b"only-file" in shown, f"Tab after '> files/on': {shown!r}")
    t.send(b"\x03")
    t.expect(PROMPT)
    t.send(b"sys > /tm\t")
    shown = t.settle()
    c.check(b"/tmp/" in shown, f"Tab after '> /tm': {shown!r}")
    t.send(b"\x03")
    t.expect(PROMPT)
    t.send(b"frag --svg files/on\t")
    shown = t.settle()
    c.check(b"only-file" in shown, f"Tab after '--svg files/on': {shown!r}")
    t.send(b"\x03")
    t.expect(PROMPT)
    t.send(b"set radi\t")
    shown = t.settle()
    c.check(b"radix" in shown, f"Tab after 'set radi': {shown!r}")
    t.send(b"\x03")
    t.expect(PROMPT)
    # issue 11: the new commands, STRUCT.MEMBER (through an anonymous union: dentry.d_name's len
    # sits in one) and kmem -S's cache names.
    for typed, want in ((b"runq \t", b"-c"), (b"list task_struct.thread_p\t", b"task_struct.thread_pid"),
                        (b"struct dentry.d_name.le\t", b"dentry.d_name.len"), (b"kmem -S task_st\t", b"task_struct"),
                        (b"mou\t", b"mount")):
        t.send(typed)
        shown = t.settle()
        c.check(want in shown, f"Tab after {typed!r}: {shown!r}")
        t.send(b"\x03")
        t.expect(PROMPT)
    t.send(b"q\n")
    c.check(t.finish() == 0, "q did not end the REPL with status 0")
    c.check(b"Sanitizer" not in t.transcript and b"runtime error:" not in t.transcript,
            f"sanitizer report: {t.transcript[-600:]!r}")
    lines = open(hist).read().splitlines()
    c.check(len(lines) <= 1000, f"history file has {len(lines)} lines, more than 1000")
    c.check(lines[-2:] == ["sys", "q"] and "kmem -p" in lines, f"history file does not end with what was typed: {lines[-4:]}")
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
