"""Shared pieces of the truth tests: reading a sample's truth files (written by the guest and by
QEMU at capture time, never by ksleuth), running ksleuth in batch with --json, and counting checks
the way CI reads them ("N passed, M failed")."""
import json
import os
import re
import struct
import subprocess
import sys


class Checks:
    def __init__(self, name):
        self.name, self.passed, self.failed = name, 0, 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL {self.name}: {what}", file=sys.stderr)
        return ok

    def finish(self):
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed or not self.passed else 0


class Truth:
    """dumps/<sample>/truth as parsed data."""

    def __init__(self, sample_dir):
        self.dir = os.path.join(sample_dir, "truth")

    def text(self, name):
        with open(os.path.join(self.dir, name)) as f:
            return f.read()

    def exists(self, name):
        return os.path.exists(os.path.join(self.dir, name))

    def captured_after_crash(self):
        """Whether the capture was taken after the crash, of a machine left hanging (capture.py
        --hang, panic=0): the truth has a crash report (panic or oops) cut from a console log with
        no kdump capture kernel in it (console.log, not console-with-capture.log). The guest's /proc
        files were then recorded before the crash was triggered, and the guest ran on through the
        crash until QEMU stopped it; QEMU's records (qemu/) are of the capture's instant."""
        return (self.exists("panic") or self.exists("oops")) and self.exists("console.log") \
            and not self.exists("console-with-capture.log")

    def workloads(self):
        out = []
        for line in self.text("workloads").splitlines():
            kv = dict(w.split("=", 1) for w in line.split()[1:] if "=" in w)
            out.append(kv)
        return out

    def pagemap(self, pid):
        pairs = []
        for line in self.text(f"pid/{pid}/pagemap").splitlines():
            va, pfn = line.split()
            if not pfn.startswith("swap"):
                pairs.append((int(va, 16), int(pfn, 16)))
        return pairs

    def maps(self, pid):
        """[(start, end, perms, offset, name)] from /proc/PID/maps."""
        out = []
        for line in self.text(f"pid/{pid}/maps").splitlines():
            f = line.split(None, 5)
            start, end = (int(x, 16) for x in f[0].split("-"))
            out.append((start, end, f[1], int(f[2], 16), f[5].strip() if len(f) > 5 else ""))
        return out

    def status(self, pid):
        return dict(l.split(":", 1) for l in self.text(f"pid/{pid}/status").splitlines() if ":" in l)

    def ps(self):
        """[(pid, ppid, stat, comm)] from busybox ps."""
        out = []
        for line in self.text("ps").splitlines()[1:]:
            f = line.split(None, 3)
            out.append((int(f[0]), int(f[1]), f[2], f[3]))
        return out

    def meminfo(self):
        """{key: pages} from /proc/meminfo (kB / 4)."""
        out = {}
        for line in self.text("meminfo").splitlines():
            k, v = line.split(":", 1)
            out[k] = int(v.split()[0]) // 4
        return out

    def zoneinfo(self):
        """{zone name: {field: value}} for the zones' static and free-page lines."""
        zones, cur = {}, None
        for line in self.text("zoneinfo").splitlines():
            m = re.match(r"Node \d+, zone\s+(\S+)", line)
            if m:
                cur = zones.setdefault(m.group(1), {})
                continue
            f = line.split()
            if cur is not None and len(f) == 2 and f[0] in ("min", "low", "high", "spanned", "present", "managed"):
                cur.setdefault(f[0], int(f[1]))
            elif cur is not None and f[:2] == ["pages", "free"]:
                cur["free"] = int(f[2])
        return zones

    def buddyinfo(self):
        """{zone: [blocks per order]}"""
        return {l.split()[3]: [int(x) for x in l.split()[4:]] for l in self.text("buddyinfo").splitlines()}

    def pagetypeinfo(self):
        """(pageblock order, {zone: {migratetype: pageblocks}})"""
        text = self.text("pagetypeinfo")
        order = int(re.search(r"Page block order: (\d+)", text).group(1))
        part = text.split("Number of blocks type", 1)[1].splitlines()
        names = part[0].split()
        counts = {}
        for line in part[1:]:
            m = re.match(r"Node\s+\d+, zone\s+(\S+)\s+(.*)", line)
            if m:
                counts[m.group(1)] = dict(zip(names, (int(x) for x in m.group(2).split())))
        return order, counts

    def slabinfo(self):
        """{name: (active_objs, num_objs, objsize, objperslab, pagesperslab, num_slabs)}"""
        out = {}
        for line in self.text("slabinfo").splitlines()[2:]:
            f = line.split()
            out[f[0]] = (int(f[1]), int(f[2]), int(f[3]), int(f[4]), int(f[5]), int(f[-2]))
        return out

    def gva2gpa(self):
        out = []
        for line in self.text("qemu/gva2gpa").splitlines():
            if line.startswith("#"):
                continue
            va, pa, what = line.split(None, 2)
            if pa != "unmapped":
                out.append((int(va, 16), int(pa, 16), what))
        return out

    def xp(self):
        out = []
        for line in self.text("qemu/xp").splitlines():
            m = re.match(r"([0-9a-f]+): ((?:[0-9a-f]{8} ?){4})\s+# (.*)", line)
            if m:
                out.append((int(m.group(1), 16), [int(w, 16) for w in m.group(2).split()], m.group(3)))
        return out

    def dmesg(self):
        return self.text("dmesg").splitlines()

    def release(self):
        return self.text("uname").split()[2]

    def cpus(self):
        return len(re.findall(r"\bcpuhp/\d+", self.text("ps")))

    def system_ram(self):
        """[(start, end_inclusive)] of the top-level "System RAM" ranges of /proc/iomem."""
        return [(int(m.group(1), 16), int(m.group(2), 16))
                for m in re.finditer(r"^([0-9a-f]+)-([0-9a-f]+) : System RAM$", self.text("iomem"), re.M)]

    def config(self, option):
        """The kernel's .config value of CONFIG_<option> (y, a number, a string), or None if unset."""
        with open(os.path.join(os.path.dirname(self.dir), "config")) as f:
            m = re.search(rf"^CONFIG_{option}=(.*)$", f.read(), re.M)
        return m.group(1) if m else None

    def fds(self, pid):
        """{fd: target} from /proc/PID/fd as recorded (`FD TARGET` lines); {} without the file."""
        if not self.exists(f"pid/{pid}/fd"):
            return {}
        out = {}
        for line in self.text(f"pid/{pid}/fd").splitlines():
            if line.strip():
                fd, target = line.split(None, 1)
                out[int(fd)] = target.strip()
        return out

    def qemu_cpus(self):
        """{cpu: (registers, halted)} from QEMU's `info registers`, taken with the guest stopped:
        registers {EAX, EBX, ECX, EDX, ESI, EDI, EBP, ESP, EIP, EFL: value} (a register's first
        value in the CPU's block), halted whether the CPU sat in HLT."""
        out, cpu = {}, None
        for line in self.text("qemu/info-registers").splitlines():
            m = re.match(r"CPU#(\d+)", line)
            if m:
                cpu = int(m.group(1))
                out[cpu] = ({}, False)
                continue
            if cpu is None:
                continue
            regs, halted = out[cpu]
            for r, v in re.findall(r"\b(EAX|EBX|ECX|EDX|ESI|EDI|EBP|ESP|EIP|EFL)=([0-9a-f]{8})\b", line):
                regs.setdefault(r, int(v, 16))
            out[cpu] = (regs, halted or "HLT=1" in line)
        return out

    def vmstat(self):
        """/proc/vmstat as {name: value}."""
        return {l.split()[0]: int(l.split()[1]) for l in self.text("vmstat").splitlines() if len(l.split()) == 2}

    def present_pages(self):
        return sum(int(n) for n in re.findall(r"^\s+present\s+(\d+)", self.text("zoneinfo"), re.M))


def sample_args(doc, options=()):
    """KSLEUTH SAMPLE_DIR DUMP [--cache-dir DIR] [the script's own --OPTION VALUE...], with
    .vmlinux = SAMPLE_DIR/vmlinux."""
    import argparse
    p = argparse.ArgumentParser(description=doc)
    p.add_argument("ksleuth")
    p.add_argument("sample")
    p.add_argument("dump")
    p.add_argument("--cache-dir")
    for option in options:
        p.add_argument(option)
    args = p.parse_args()
    args.vmlinux = os.path.join(args.sample, "vmlinux")
    return args


def run_ksleuth(ksleuth, vmlinux, dump, commands, raw=False, cache_dir=None, expect_rc=None):
    """Run commands (one per line) in batch with --json; returns (rc, [doc per command], stderr)."""
    args = [ksleuth, "--json"] + (["--raw"] if raw else []) + [vmlinux, dump]
    env = dict(os.environ)
    if cache_dir:
        env["KSLEUTH_CACHE_DIR"] = cache_dir
    p = subprocess.run(args, input="\n".join(commands) + "\n", capture_output=True, text=True, env=env, timeout=600)
    docs = [json.loads(line) for line in p.stdout.splitlines() if line.startswith("{")]
    return p.returncode, docs, p.stderr


def check_refused(checks, a, cases):
    """Each (command, words): ksleuth exits 1 after one error line that says those words."""
    for cmd, why in cases:
        rc, _, err = run_ksleuth(a.ksleuth, a.vmlinux, a.dump, [cmd], cache_dir=a.cache_dir)
        lines = [line for line in err.splitlines() if line.strip()]
        checks.check(rc == 1 and len(lines) == 1 and why in lines[0], f"{cmd}: rc {rc} {lines}")


def elf_symbol_bytes(path, name, length):
    """Bytes at a symbol of an ELF32 vmlinux, read straight from the file (no ksleuth involved)."""
    with open(path, "rb") as f:
        data = f.read()
    shoff, = struct.unpack_from("<I", data, 32)
    shentsize, shnum = struct.unpack_from("<HH", data, 46)
    sections = [struct.unpack_from("<IIIIIIIIII", data, shoff + i * shentsize) for i in range(shnum)]
    for sh in sections:
        if sh[1] != 2:        # SHT_SYMTAB
            continue
        strtab = sections[sh[6]]
        for off in range(sh[4], sh[4] + sh[5], 16):
            st_name, st_value, st_size, _, _, st_shndx = struct.unpack_from("<IIIBBH", data, off)
            end = data.index(b"\0", strtab[4] + st_name)
            if data[strtab[4] + st_name:end] == name.encode():
                sec = sections[st_shndx]
                start = sec[4] + (st_value - sec[3])
                return data[start:start + length]
    raise KeyError(name)


def gdb_longs(vmlinux, exprs):
    """Each C expression's value as gdb computes it from the vmlinux's DWARF (`print (long)(EXPR)`)."""
    args = ["gdb", "-batch", "-nx"]
    for e in exprs:
        args += ["-ex", f"print (long)({e})"]
    out = subprocess.run(args + [vmlinux], capture_output=True, text=True, timeout=600).stdout
    return [int(v) for v in re.findall(r"^\$\d+ = (-?\d+)$", out, re.M)]
