#!/usr/bin/env python3
"""Build docs/manual.md and docs/ksleuth.1 from ksleuth's own help (so `help CMD` and the manual
cannot drift apart), docs/manual-intro.md, and examples from the reviewed golden transcript of
np-96m. --check compares instead of writing, for the test suite.

  make_manual.py KSLEUTH [--check]"""
import os
import subprocess
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE_LINES = 24


def help_all(ksleuth):
    out = subprocess.run([ksleuth, "--help-all"], capture_output=True, text=True, check=True).stdout
    cmds = []
    for chunk in out.split("@@ ")[1:]:
        name, summary, usage, help_text = chunk.split("\n", 3)
        cmds.append((name, summary, usage, help_text.rstrip("\n")))
    return cmds


def examples():
    """First transcript of each command in the golden np-96m text.out."""
    text = open(os.path.join(TOP, "tests", "golden", "np-96m", "text.out")).read()
    found = {}
    for part in text.split("ksleuth> ")[1:]:
        cmd, _, body = part.partition("\n")
        name = cmd.split()[0]
        if name not in found and body.strip():
            lines = body.rstrip("\n").splitlines()
            more = len(lines) - EXAMPLE_LINES
            shown = "\n".join(lines[:EXAMPLE_LINES]) + (f"\n... ({more} more lines)" if more > 0 else "")
            found[name] = f"ksleuth> {cmd}\n{shown}"
    return found


def manual(cmds, usage_text):
    ex = examples()
    parts = [open(os.path.join(TOP, "docs", "manual-intro.md")).read()]
    parts.append("\n| command | what it shows |\n|---|---|\n" + "".join(f"| `{n}` | {s} |\n" for n, s, _, _ in cmds))
    for name, summary, usage, help_text in cmds:
        parts.append(f"\n### {name} — {summary}\n\n    {usage}\n\n```\n{help_text}\n```\n")
        if name in ex:
            parts.append(f"\nExample (sample np-96m):\n\n```\n{ex[name]}\n```\n")
    parts.append("\n## Command-line usage (`ksleuth --help`)\n\n```\n" + usage_text.rstrip("\n") + "\n```\n")
    return "".join(parts)


def troff(text):
    return "\n".join(("\\&" + l if l.startswith((".", "'")) else l).replace("\\", "\\\\") if not l.startswith("\\&") else l
                     for l in text.splitlines())


def manpage(cmds, usage_text):
    out = ['.TH KSLEUTH 1 "" "ksleuth" "User Commands"', ".SH NAME",
           "ksleuth \\- inspect i386 Linux kernel dumps, the way crash does",
           ".SH SYNOPSIS", ".B ksleuth", "[options] VMLINUX DUMPFILE", ".SH DESCRIPTION",
           "ksleuth opens an i386 kernel dump (ELF core, kdump-compressed, raw memory) with the kernel's vmlinux "
           "and answers crash-style commands: tasks and address spaces, page walks, zones and the buddy "
           "allocator, struct pages, slab caches, kernel variables and types from DWARF, the kernel log.",
           ".SH OPTIONS", ".nf", troff(usage_text.rstrip("\n")), ".fi", ".SH COMMANDS"]
    for name, summary, usage, help_text in cmds:
        out += [".SS " + troff(f"{name} \\- {summary}"), ".nf", troff(usage), "", troff(help_text), ".fi"]
    out += [".SH EXIT STATUS", "0 every command succeeded; 1 a command failed; 2 usage error; "
            "3 the dump or vmlinux could not be opened or do not match.",
            ".SH FILES", "~/.cache/ksleuth/BUILD-ID.idx: the DWARF name index; ~/.ksleuth_history: REPL history.",
            ".SH SEE ALSO", "crash(8); the manual, docs/manual.md"]
    return "\n".join(out) + "\n"


def main():
    ksleuth = sys.argv[1]
    check = "--check" in sys.argv
    cmds = help_all(ksleuth)
    usage_text = subprocess.run([ksleuth, "--help"], capture_output=True, text=True).stdout
    outputs = {os.path.join(TOP, "docs", "manual.md"): manual(cmds, usage_text),
               os.path.join(TOP, "docs", "ksleuth.1"): manpage(cmds, usage_text)}
    stale = []
    for path, text in outputs.items():
        current = open(path).read() if os.path.exists(path) else None
        if check:
            if current != text:
                stale.append(os.path.relpath(path, TOP))
        elif current != text:
            with open(path, "w") as f:
                f.write(text)
            print(f"wrote {os.path.relpath(path, TOP)}")
    if check:
        for p in stale:
            print(f"FAIL {p} is out of date: run tests/docs/make_manual.py build/ksleuth", file=sys.stderr)
        print(f"{len(outputs) - len(stale)} passed, {len(stale)} failed")
        return 1 if stale else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
