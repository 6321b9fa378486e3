#!/usr/bin/env python3
"""Boot one bench guest under QEMU TCG (bench/make-debian-dump.sh), wait for KSLEUTH-READY, stop it
and write uncompressed captures into OUT: dump.elf (QEMU's ELF core, which crash 8.0.2 reads) and/or
dump.kdump (QEMU's kdump-compressed file, zero pages left out), plus the guest's truth sections in
OUT/truth/. The dumps stay outside the repository; nothing here runs in CI."""
import argparse, os, shutil, subprocess, sys, time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "dumps", "recipe"))
from capture import Qmp, TruthPort, wait_for, split_truth, truth_section_text, fresh_dir  # noqa: E402


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--kernel", required=True, help="bzImage (Debian's vmlinuz)")
    p.add_argument("--initrd", required=True)
    p.add_argument("--mem", required=True, help="guest RAM in MB")
    p.add_argument("--append", default="")
    p.add_argument("--formats", default="elf", help="comma list of elf,kdump")
    p.add_argument("--out", required=True)
    a = p.parse_args()
    out = os.path.abspath(a.out)
    work = fresh_dir(out + ".work")
    truthdir = fresh_dir(os.path.join(out, "truth"))
    append = f"console=ttyS0 loglevel=4 {a.append}".strip()
    cmd = ["qemu-system-i386", "-accel", "tcg", "-cpu", "qemu32,+pae,+nx", "-smp", "2", "-m", a.mem,
           "-kernel", a.kernel, "-initrd", a.initrd, "-append", append, "-display", "none", "-no-reboot",
           "-serial", f"file:{work}/console.log",
           "-chardev", f"socket,id=truth,path={work}/truth.sock,server=on,wait=on", "-serial", "chardev:truth",
           "-qmp", f"unix:{work}/qmp.sock,server=on,wait=off"]
    print(" ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    t0 = time.time()
    try:
        TruthPort(f"{work}/truth.sock", f"{work}/truth.raw")
        qmp = Qmp(f"{work}/qmp.sock")
        wait_for(f"{work}/console.log", "KSLEUTH-READY", 1800, proc)
        qmp.call("stop")
        print(f"READY seen, guest stopped at {time.time() - t0:.0f} s", flush=True)
        split_truth(truth_section_text(work, 0), truthdir)
        for fmt in a.formats.split(","):
            extra = {"format": "kdump-zlib"} if fmt == "kdump" else {}
            qmp.call("dump-guest-memory", paging=False, protocol=f"file:{out}/dump.{fmt}", **extra)
        shutil.copy(f"{work}/console.log", f"{truthdir}/console.log")
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    shutil.rmtree(work, ignore_errors=True)
    print(f"written: {out} ({time.time() - t0:.0f} s)", flush=True)


if __name__ == "__main__":
    main()
