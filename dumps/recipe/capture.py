#!/usr/bin/env python3
"""Boot one sample guest under QEMU (TCG), wait until its workloads are set up and its truth is
written, then stop it and record: QEMU's own truth (registers, gva2gpa, xp) and the captures asked
for (elf, kdump, raw, vmcore). The guest's truth arrives on its second serial port and is split into
OUT/truth/<name> files. Nothing here is fast: a boot under TCG takes about half a minute."""
import argparse, gzip, json, os, re, shutil, socket, struct, subprocess, sys, threading, time


def parse_args():
    p = argparse.ArgumentParser()
    p.add_argument("--kernel-dir", required=True)
    p.add_argument("--initrd", required=True)
    p.add_argument("--mem", required=True, help="guest RAM in MB")
    p.add_argument("--qemu", default="qemu-system-i386")
    p.add_argument("--cpu", default="qemu32,+pae,+nx")
    p.add_argument("--smp", default="2")
    p.add_argument("--append", default="")
    p.add_argument("--formats", default="kdump", help="comma list of elf,kdump,raw,vmcore")
    p.add_argument("--out", required=True)
    p.add_argument("--hang", action="store_true",
                   help="panic sample without kexec (panic=0): let the guest crash, wait for the panic "
                        "on the console, then stop it and take QEMU's truth and captures of the hung machine")
    p.add_argument("--phase-out",
                   help="diff pair: after the captures of --out (state A), let the guest run its phase "
                        "(fragmenter frees its pages, the heap workload exits), then write state B's truth "
                        "and --phase-formats captures to this directory")
    p.add_argument("--phase-formats", default="kdump,vmcore", help="captures of state B (kdump,elf,raw,vmcore)")
    return p.parse_args()


def connect_unix(path, tries=100):
    """Connect to a socket QEMU is about to create."""
    sock = socket.socket(socket.AF_UNIX)
    for _ in range(tries):
        try:
            sock.connect(path)
            return sock
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"QEMU never opened {path}")


class Qmp:
    def __init__(self, path):
        self.sock = connect_unix(path)
        self.buf = b""
        self._read()                      # greeting
        self.call("qmp_capabilities")

    def _read(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise RuntimeError("QMP closed")
            self.buf += chunk
        line, self.buf = self.buf.split(b"\n", 1)
        return json.loads(line)

    def call(self, cmd, **args):
        self.sock.sendall(json.dumps({"execute": cmd, "arguments": args}).encode() + b"\n")
        while True:
            msg = self._read()
            if "return" in msg:
                return msg["return"]
            if "error" in msg:
                raise RuntimeError(f"QMP {cmd}: {msg['error']}")

    def hmp(self, line):
        return self.call("human-monitor-command", **{"command-line": line})


class TruthPort:
    """The guest's second serial port: truth text arrives here; "PANIC" goes back for kdump samples."""
    def __init__(self, path, raw_path):
        self.sock = connect_unix(path)
        self.out = open(raw_path, "wb", buffering=0)
        threading.Thread(target=self._pump, daemon=True).start()

    def _pump(self):
        while True:
            data = self.sock.recv(65536)
            if not data:
                return
            self.out.write(data)

    def send(self, data):
        self.sock.sendall(data)


def wait_for(path, pattern, timeout, proc, count=1):
    deadline = time.time() + timeout
    while time.time() < deadline:
        text = open(path, errors="replace").read() if os.path.exists(path) else ""
        if text.count(pattern) >= count:
            return text
        for bad in ("KSLEUTH-ERROR", "Kernel panic - not syncing: Attempted to kill init"):
            if bad in text:
                raise RuntimeError(f"guest failed: {bad}")
        if proc.poll() is not None:
            raise RuntimeError(f"QEMU exited ({proc.returncode}) before {pattern}")
        time.sleep(0.5)
    raise RuntimeError(f"timed out waiting for {pattern}")


def split_truth(raw, outdir):
    """Write each '### BEGIN name' ... '### END name' section to outdir/name."""
    text = raw.replace("\r", "")
    names = []
    for m in re.finditer(r"^### BEGIN (\S+)\n(.*?)^### END \1$", text, re.S | re.M):
        path = os.path.join(outdir, m.group(1))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(m.group(2))
        names.append(m.group(1))
    if "### TRUTH-DONE" not in text:
        raise RuntimeError("truth incomplete")
    return names


def kallsyms(truthdir):
    syms = {}
    for line in open(os.path.join(truthdir, "kallsyms")):
        addr, _, name = line.split()
        syms[name] = int(addr, 16)
    return syms


def workload_addrs(truthdir):
    """(pid, vaddr) of each workload's announced address, for the xp cross-check."""
    out = []
    for line in open(os.path.join(truthdir, "workloads")):
        kv = dict(w.split("=", 1) for w in line.split()[1:] if "=" in w)
        for key in ("stack_var", "base"):
            if key in kv:
                out.append((int(kv["pid"]), kv["mode"], key, int(kv[key], 16)))
    return out


def pagemap_pfn(truthdir, pid, vaddr):
    page = vaddr & ~0xFFF
    path = os.path.join(truthdir, f"pid/{pid}/pagemap")
    for line in open(path):
        va, pfn = line.split()
        if int(va, 16) == page and not pfn.startswith("swap"):
            return int(pfn, 16)
    return None


def vmalloc_addrs(truthdir, n=6):
    """Start (+0x10) of the first vmalloc areas: addresses outside the direct map."""
    out = []
    for line in open(os.path.join(truthdir, "vmallocinfo")):
        m = re.match(r"0x([0-9a-f]+)-0x([0-9a-f]+)\s+(\d+)\s+(\S+)", line)
        if m and "ioremap" not in line and len(out) < n:
            out.append((f"vmalloc:{m.group(4)}", int(m.group(1), 16) + 0x10))
    return out


def record_qemu_truth(qmp, truthdir):
    qdir = os.path.join(truthdir, "qemu")
    os.makedirs(qdir, exist_ok=True)
    with open(os.path.join(qdir, "info-registers"), "w") as f:
        f.write(qmp.hmp("info registers -a"))
    syms = kallsyms(truthdir)
    lines, phys_of = [], {}
    probes = [(name, syms[name]) for name in sorted(syms)] + vmalloc_addrs(truthdir)
    for name, addr in probes:
        for probe in (addr, addr + 0x123):
            out = qmp.hmp(f"gva2gpa {probe:#x}").strip()
            m = re.search(r"gpa: (0x[0-9a-f]+)", out)
            lines.append(f"{probe:08x} {m.group(1) if m else 'unmapped'} {name}{'+0x123' if probe != addr else ''}\n")
            if m and probe == addr:
                phys_of[name] = int(m.group(1), 16)
    with open(os.path.join(qdir, "gva2gpa"), "w") as f:
        f.write("# vaddr paddr symbol  (QEMU gva2gpa on CPU 0, guest stopped)\n")
        f.writelines(lines)
    xp = ["# paddr: words (QEMU xp /4wx, guest stopped)\n"]
    targets = [(phys_of[n], n) for n in ("linux_banner", "init_task", "swapper_pg_dir") if n in phys_of]
    for pid, mode, key, va in workload_addrs(truthdir):
        pfn = pagemap_pfn(truthdir, pid, va)
        if pfn is not None:
            targets.append(((pfn << 12) | (va & 0xFFF), f"pid {pid} {mode} {key} {va:#x}"))
    for paddr, what in targets:
        out = qmp.hmp(f"xp /4wx {paddr:#x}").strip()
        words = out.split(":", 1)[1].split() if ":" in out else []
        xp.append(f"{paddr:x}: {' '.join(w.replace('0x', '') for w in words)}  # {what}\n")
    with open(os.path.join(qdir, "xp"), "w") as f:
        f.writelines(xp)


REPORT_END = re.compile(r"---\[ end (trace|Kernel panic)")
NEXT_BOOT = re.compile(r"^(?:\[[\s\d.]+\] )?Linux version |^KSLEUTH-")


def crash_reports(console, truthdir):
    """Cut the crash report out of the console log, after KSLEUTH-READY: truth/oops from the first
    "BUG:"/"kernel BUG at"/"Oops:" line, truth/panic from the "Kernel panic - not syncing" line, each through the
    kernel's "---[ end trace"/"---[ end Kernel panic" line or, when kexec takes over first, up to the
    capture kernel's first line."""
    lines = console.replace("\r", "").split("\n")
    ready = max((i for i, l in enumerate(lines) if l.startswith("KSLEUTH-READY")), default=0)   # a diff pair has two
    written = []
    for name, start in (("oops", re.compile(r"(BUG: |kernel BUG at |Oops: )")), ("panic", re.compile(r"Kernel panic - not syncing"))):
        i = next((i for i in range(ready, len(lines)) if start.search(lines[i])), None)
        if i is None:
            continue
        j = i + 1
        while j < len(lines) and not NEXT_BOOT.search(lines[j]):
            j += 1
            if REPORT_END.search(lines[j - 1]):
                break
        with open(os.path.join(truthdir, name), "w") as f:
            f.write("\n".join(lines[i:j]).rstrip("\n") + "\n")
        written.append(name)
    return written


def elf_file_size(path):
    """Bytes an ELF core really occupies (the disk image it sits on is larger)."""
    with open(path, "rb") as f:
        ident = f.read(64)
        if ident[:4] != b"\x7fELF":
            raise RuntimeError("vmcore on disk is not ELF")
        is64 = ident[4] == 2
        if is64:
            phoff, = struct.unpack_from("<Q", ident, 32); phentsize, phnum = struct.unpack_from("<HH", ident, 54)
        else:
            phoff, = struct.unpack_from("<I", ident, 28); phentsize, phnum = struct.unpack_from("<HH", ident, 42)
        end = phoff + phentsize * phnum
        for i in range(phnum):
            f.seek(phoff + i * phentsize)
            ph = f.read(phentsize)
            if is64:
                off, filesz = struct.unpack_from("<Q", ph, 8)[0], struct.unpack_from("<Q", ph, 32)[0]
            else:
                off, filesz = struct.unpack_from("<I", ph, 4)[0], struct.unpack_from("<I", ph, 16)[0]
            end = max(end, off + filesz)
        return end


def gzip_file(src, dst, limit=None):
    with open(src, "rb") as i, gzip.open(dst, "wb", compresslevel=9) as o:
        left = limit
        while left is None or left > 0:
            chunk = i.read(1 << 20 if left is None else min(1 << 20, left))
            if not chunk:
                break
            o.write(chunk)
            if left is not None:
                left -= len(chunk)


def truth_section_text(work, nth):
    """The guest's nth truth (0: state A, 1: a diff pair's state B), once it is complete."""
    t0 = time.time()
    while True:
        raw = open(f"{work}/truth.raw", errors="replace").read()
        parts = raw.split("### TRUTH-DONE")
        if len(parts) > nth + 1:
            return parts[nth] + "### TRUTH-DONE\n"
        if time.time() - t0 > 120:
            raise RuntimeError("truth never finished")
        time.sleep(0.2)


def capture_instant(qmp, a, work, out, truthdir, formats):
    """QEMU's truth and the captures asked for, of the stopped guest."""
    record_qemu_truth(qmp, truthdir)
    if "elf" in formats:
        qmp.call("dump-guest-memory", paging=False, protocol=f"file:{work}/dump.elf")
        gzip_file(f"{work}/dump.elf", f"{out}/dump.elf.gz")
    if "kdump" in formats:
        # gzip'd in git: QEMU writes a 24-byte descriptor for every frame, zero ones included.
        qmp.call("dump-guest-memory", paging=False, protocol=f"file:{work}/dump.kdump", format="kdump-zlib")
        gzip_file(f"{work}/dump.kdump", f"{out}/dump.kdump.gz")
    if "raw" in formats:
        size = int(a.mem) << 20
        qmp.call("pmemsave", val=0, size=size, filename=f"{work}/dump.raw")
        gzip_file(f"{work}/dump.raw", f"{out}/dump.raw.gz")
    for name in ("dump.elf", "dump.kdump", "dump.raw"):
        if os.path.exists(f"{work}/{name}"):
            os.remove(f"{work}/{name}")


def fresh_dir(path):
    shutil.rmtree(path, ignore_errors=True)
    os.makedirs(path)
    return path


def main():
    a = parse_args()
    formats = set(a.formats.split(","))
    phase_formats = set(a.phase_formats.split(",")) if a.phase_out else set()
    out = os.path.abspath(a.out)
    work = fresh_dir(out + ".work")
    truthdir = fresh_dir(os.path.join(out, "truth"))
    # The directory whose state the final captures (vmcore, console log after READY) belong to.
    last_out = os.path.abspath(a.phase_out) if a.phase_out else out
    last_formats = phase_formats if a.phase_out else formats
    if a.phase_out:
        fresh_dir(os.path.join(last_out, "truth"))
    # init_on_free: freed pages are zeroed, so dumps carry no stale data and compress well.
    append = f"console=ttyS0 loglevel=7 init_on_free=1 {a.append}".strip()
    if "vmcore" in last_formats:
        append += " ksleuth.kdump=1"
    if a.phase_out:
        append += " ksleuth.phase=1"
    cmd = [a.qemu, "-accel", "tcg", "-cpu", a.cpu, "-smp", a.smp, "-m", a.mem,
           "-kernel", os.path.join(a.kernel_dir, "bzImage"), "-initrd", a.initrd, "-append", append,
           "-display", "none", "-no-reboot", "-device", "vmcoreinfo",
           "-serial", f"file:{work}/console.log",
           "-chardev", f"socket,id=truth,path={work}/truth.sock,server=on,wait=on", "-serial", "chardev:truth",
           "-qmp", f"unix:{work}/qmp.sock,server=on,wait=off"]
    if "vmcore" in last_formats:
        disk = os.path.join(work, "disk.img")
        with open(disk, "wb") as f:
            f.truncate((int(a.mem) + 32) << 20)
        cmd += ["-drive", f"file={disk},format=raw,if=virtio"]
    print(" ".join(cmd), flush=True)
    proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL)
    t_start = time.time()
    try:
        truth = TruthPort(f"{work}/truth.sock", f"{work}/truth.raw")   # QEMU waits for this before it runs
        qmp = Qmp(f"{work}/qmp.sock")
        wait_for(f"{work}/console.log", "KSLEUTH-READY", 900, proc)
        if not a.hang:
            qmp.call("stop")
            print(f"READY seen and guest stopped at {time.time() - t_start:.1f} s: {qmp.call('query-status')}", flush=True)
        names = split_truth(truth_section_text(work, 0), truthdir)
        print(f"truth: {len(names)} files", flush=True)
        if a.hang:
            # The guest crashes itself (init's idle step writes the crash kind once it reads PANIC);
            # with panic=0 the machine then hangs in panic(). QEMU's truth is taken of that state.
            truth.send(b"PANIC\n")
            wait_for(f"{work}/console.log", "Kernel panic - not syncing", 300, proc)
            time.sleep(2)
            qmp.call("stop")
            print(f"panic seen and guest stopped at {time.time() - t_start:.1f} s", flush=True)
        capture_instant(qmp, a, work, out, truthdir, formats - {"vmcore"} if a.phase_out else formats)
        if a.phase_out:
            # State A is captured: its console log ends here. Then the phase, and state B.
            shutil.copy(f"{work}/console.log", f"{out}/truth/console.log")
            qmp.call("cont")
            truth.send(b"PHASE\n")
            wait_for(f"{work}/console.log", "KSLEUTH-READY", 900, proc, count=2)
            qmp.call("stop")
            print(f"phase done, second READY seen and guest stopped at {time.time() - t_start:.1f} s", flush=True)
            names = split_truth(truth_section_text(work, 1), os.path.join(last_out, "truth"))
            print(f"truth of state B: {len(names)} files", flush=True)
            capture_instant(qmp, a, work, last_out, os.path.join(last_out, "truth"), last_formats)
        if "vmcore" in last_formats:
            qmp.call("cont")
            truth.send(b"PANIC\n")
            proc.wait(timeout=900)
            log = open(f"{work}/console.log", errors="replace").read()
            if "KSLEUTH-CAPTURE-DONE" not in log:
                raise RuntimeError("capture kernel did not save the vmcore")
            size = elf_file_size(disk)
            gzip_file(disk, f"{last_out}/vmcore.gz", size)
            shutil.copy(f"{work}/console.log", f"{last_out}/truth/console-with-capture.log")
        else:
            shutil.copy(f"{work}/console.log", f"{last_out}/truth/console.log")
        reports = crash_reports(open(f"{work}/console.log", errors="replace").read(), os.path.join(last_out, "truth"))
        if reports:
            print(f"crash report: {', '.join(reports)}", flush=True)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    shutil.rmtree(work, ignore_errors=True)
    print(f"sample written to {out}" + (f" and {last_out}" if a.phase_out else ""), flush=True)

if __name__ == "__main__":
    main()
