#!/usr/bin/env python3
"""files and mount against the guest's own records:
  - for every task with truth/pid/PID/fd (lines `FD TARGET`, readlink of /proc/PID/fd/FD), `files PID`
    lists exactly those descriptors with those paths (pipe:[N], socket:[N], anon_inode:... as
    readlink gives them), and each file's TYPE agrees with the target (a path under /dev is CHR or
    BLK, a pipe is FIFO, a socket SOCK, a file the workload wrote is REG);
  - with truth/mounts (the guest's /proc/mounts), `mount` lists the same mounts in the same order:
    DEVNAME, DIRNAME and TYPE of each line;
  - `files` of a PID that does not exist is refused with one line.
Run on every sample; a sample without a truth file simply has no such check (the script says which
it ran).

usage: check_vfs.py KSLEUTH SAMPLE_DIR DUMP [--cache-dir DIR]
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kstruth import Checks, Truth, check_refused, run_ksleuth, sample_args  # noqa: E402


def fd_truth(truth, pid):
    out = {}
    for line in truth.text(f"pid/{pid}/fd").splitlines():
        if line.strip():
            fd, target = line.split(None, 1)
            out[int(fd)] = target.strip()
    return out


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
    rc, docs, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, [f"files {p}" for p in pids], cache_dir=a.cache_dir)
    if not checks.check(rc == 0 and len(docs) == len(pids), f"files: rc {rc} {err.strip()[:300]}"):
        return len(pids)
    for pid, doc in zip(pids, docs):
        want = fd_truth(truth, pid)
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


def main():
    a = sample_args(__doc__)
    truth = Truth(a.sample)
    checks = Checks(f"vfs {os.path.basename(a.sample)}")
    nfiles = check_files(checks, a, truth)
    mounts = check_mounts(checks, a, truth)
    print(f"files checked for {nfiles} tasks; mount {'checked' if mounts else 'not checked (no truth/mounts)'}")
    check_refused(checks, a, (("files 99999", "99999"),))
    return checks.finish()


if __name__ == "__main__":
    sys.exit(main())
