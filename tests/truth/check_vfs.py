#!/usr/bin/env python3
"""files and mount against the guest's own records:
  - for every task with truth/pid/PID/fd (lines `FD TARGET`, readlink of /proc/PID/fd/FD), `files PID`
    lists exactly those descriptors with those paths (pipe:[N], socket:[N], anon_inode:... as
    readlink gives them), and each file's TYPE agrees with the target (a path under /dev is CHR or
    BLK, a pipe is FIFO, a socket SOCK, a file the workload wrote is REG);
  - with truth/mounts (the guest's /proc/mounts), `mount` lists the same mounts in the same order:
    DEVNAME, DIRNAME and TYPE of each line;
  - where crash 8.0.2 ran on a capture of the same instant (truth/crash/CAPTURE/files.txt, mount.txt),
    every line of its `files PID` and `mount` equals ksleuth's: FD FILE DENTRY INODE TYPE PATH and
    MOUNT SUPERBLK TYPE DEVNAME DIRNAME, addresses included;
  - `foreach PID... files` gives the same documents as `files PID` for each;
  - `files` of a PID that does not exist is refused with one line.
Run on every sample; a sample without a truth file simply has no such check (the script says which
it ran).

usage: check_vfs.py KSLEUTH SAMPLE_DIR DUMP [--cache-dir DIR]
"""
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kstruth import Checks, Truth, check_refused, run_ksleuth, sample_args  # noqa: E402


def expected_type(target):
    if target.startswith("pipe:["):
        return {"FIFO"}
    if target.startswith("socket:["):
        return {"SOCK"}
    if target.startswith("/dev/"):
        return {"CHR", "BLK"}
    if target.startswith("anon_inode:"):
        return None  # anonymous inodes have no fixed type
    return {"REG", "DIR", "LNK"}


def check_files(checks, a, truth):
    pids = sorted(int(p) for p in os.listdir(os.path.join(truth.dir, "pid"))
                  if p.isdigit() and truth.exists(f"pid/{p}/fd"))
    if not pids:
        return 0
    cmds = [f"files {p}" for p in pids] + ["foreach " + " ".join(map(str, pids)) + " files"]
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, cmds, cache_dir=a.cache_dir)
    if not checks.check(rc == 0 and len(docs) == len(cmds), f"files: rc {rc} {err.strip()[:300]}"):
        return len(pids)
    checks.check(docs[-1].get("results") == docs[:-1], "foreach PIDs files is not files PID for each")
    docs = docs[:-1]
    for pid, doc in zip(pids, docs):
        want = truth.fds(pid)
        got = {f["fd"]: f for f in doc.get("files", [])}
        checks.check(doc.get("pid") == pid, f"files {pid} answered for PID {doc.get('pid')}")
        checks.check(set(got) == set(want), f"PID {pid}: fds {sorted(got)}, /proc says {sorted(want)}")
        for fd in sorted(set(got) & set(want)):
            f = got[fd]
            checks.check(f["path"] == want[fd], f"PID {pid} fd {fd}: {f['path']!r}, readlink says {want[fd]!r}")
            types = expected_type(want[fd])
            if types:
                checks.check(f["type"] in types, f"PID {pid} fd {fd} ({want[fd]}): type {f['type']}, expected {types}")
            checks.check(all(int(f[k], 16) for k in ("file", "dentry", "inode")), f"PID {pid} fd {fd}: a NULL pointer {f}")
    return len(pids)


def check_mounts(checks, a, truth):
    if not truth.exists("mounts"):
        return False
    want = []
    for line in truth.text("mounts").splitlines():
        f = line.split()
        if len(f) >= 3:
            want.append((f[0], f[1].replace("\\040", " "), f[2]))
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, ["mount"], cache_dir=a.cache_dir)
    if not checks.check(rc == 0 and len(docs) == 1, f"mount: rc {rc} {err.strip()[:300]}"):
        return True
    got = [(m["devname"], m["dirname"], m["type"]) for m in docs[0]["mounts"]]
    checks.check(got == want, f"mount {got} != /proc/mounts {want}")
    return True


def crash_files(text):
    """{pid: [(fd, file, dentry, inode, type, path)]} from crash's `files PID` blocks."""
    out, pid = {}, None
    for line in text.splitlines():
        m = re.match(r"PID: (\d+)\s", line)
        if m:
            pid = int(m.group(1))
            out[pid] = []
            continue
        f = line.split()
        if pid is not None and len(f) == 6 and f[0].isdigit():
            out[pid].append((int(f[0]), int(f[1], 16), int(f[2], 16), int(f[3], 16), f[4], f[5]))
    return out


def crash_mounts(text):
    rows = [line.split() for line in text.splitlines()]
    return [(int(f[0], 16), int(f[1], 16), f[2], f[3], f[4]) for f in rows
            if len(f) == 5 and re.fullmatch(r"[0-9a-f]{8}", f[0])]


def check_against_crash(checks, a, truth):
    """crash's files and mount, where the recipe ran them."""
    base = os.path.join(truth.dir, "crash")
    done = 0
    for capture in sorted(os.listdir(base)) if os.path.isdir(base) else []:
        d = os.path.join(base, capture)
        if os.path.exists(os.path.join(d, "files.txt")):
            want = crash_files(open(os.path.join(d, "files.txt")).read())
            pids = sorted(want)
            rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, [f"files {p}" for p in pids], cache_dir=a.cache_dir)
            if checks.check(rc == 0 and len(docs) == len(pids), f"files: rc {rc} {err.strip()[:300]}"):
                for pid, doc in zip(pids, docs):
                    got = [(f["fd"], int(f["file"], 16), int(f["dentry"], 16), int(f["inode"], 16), f["type"], f["path"])
                           for f in doc["files"]]
                    checks.check(got == want[pid], f"files {pid}: {got} != crash's {want[pid]}")
            done += 1
        if os.path.exists(os.path.join(d, "mount.txt")):
            want = crash_mounts(open(os.path.join(d, "mount.txt")).read())
            rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, ["mount"], cache_dir=a.cache_dir)
            if checks.check(rc == 0 and len(docs) == 1, f"mount: rc {rc} {err.strip()[:300]}"):
                got = [(int(m["mount"], 16), int(m["superblock"], 16), m["type"], m["devname"], m["dirname"])
                       for m in docs[0]["mounts"]]
                checks.check(got == want, f"mount {got} != crash's {want}")
            done += 1
    return done


def main():
    a = sample_args(__doc__)
    truth = Truth(a.sample)
    checks = Checks(f"vfs {os.path.basename(a.sample)}")
    nfiles = check_files(checks, a, truth)
    mounts = check_mounts(checks, a, truth)
    against_crash = check_against_crash(checks, a, truth)
    print(f"files checked for {nfiles} tasks; mount {'checked' if mounts else 'not checked (no truth/mounts)'}; "
          f"{against_crash} of crash's outputs compared")
    check_refused(checks, a, (("files 99999", "99999"),))
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
