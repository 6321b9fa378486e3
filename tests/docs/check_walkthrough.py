#!/usr/bin/env python3
"""docs/walkthrough.md is a test: every fenced block whose info string is `ksleuth SAMPLE` is a
transcript ("ksleuth> CMD" lines and what followed them). The commands are replayed against the
sample with ksleuth's golden runner and must print exactly what the document shows.

  check_walkthrough.py KSLEUTH DOC DUMPS WORKDIR [--update]   (--update rewrites the outputs)"""
import os
import re
import shutil
import subprocess
import sys

BLOCK = re.compile(r"^```ksleuth (\S+)\n(.*?)^```$", re.M | re.S)


def run_block(ksleuth, sample, body, dumps, work, n):
    folder = os.path.join(work, f"block{n:02d}")
    shutil.rmtree(folder, ignore_errors=True)
    os.makedirs(folder)
    d = os.path.join(os.path.abspath(dumps), sample)
    with open(os.path.join(folder, "golden.conf"), "w") as f:
        capture = next(c for c in ("dump.kdump.gz", "dump.elf.gz", "vmcore.gz") if os.path.exists(os.path.join(d, c)))
        f.write(f"vmlinux={d}/vmlinux\ndump={d}/{capture}\n")
    cmds = [l[len("ksleuth> "):] for l in body.splitlines() if l.startswith("ksleuth> ")]
    with open(os.path.join(folder, "doc.cmds"), "w") as f:
        f.write("\n".join(cmds) + "\n")
    subprocess.run([ksleuth, "--golden", folder, "--update"], capture_output=True, text=True, check=True)
    with open(os.path.join(folder, "doc.out")) as f:
        return f.read().replace(d + "/", "")


def main():
    ksleuth, doc, dumps, work = sys.argv[1:5]
    update = "--update" in sys.argv
    text = open(doc).read()
    passed = failed = 0
    out, last = [], 0
    for n, m in enumerate(BLOCK.finditer(text)):
        got = run_block(ksleuth, m.group(1), m.group(2), dumps, work, n)
        out.append(text[last:m.start(2)] + got)
        last = m.end(2)
        if got == m.group(2):
            passed += 1
        else:
            failed += 1
            want, have = m.group(2).splitlines(), got.splitlines()
            i = next((i for i, (a, b) in enumerate(zip(want, have)) if a != b), min(len(want), len(have)))
            print(f"block {n} ({m.group(1)}) differs at its line {i + 1}:\n  doc: {want[i] if i < len(want) else ''}\n  now: "
                  f"{have[i] if i < len(have) else ''}", file=sys.stderr)
    out.append(text[last:])
    if update:
        with open(doc, "w") as f:
            f.write("".join(out))
        print(f"{doc}: outputs refreshed; read the diff")
        return 0
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or not passed else 0


if __name__ == "__main__":
    sys.exit(main())
