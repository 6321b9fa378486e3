"""Build the derived bad inputs (cases.tsv names them @NAME) from the committed np-96m captures
(and, for the SPARSEMEM cases, sparse-512m's ELF capture; for the 5.10 vm_next list, v510-np-256m's).
Every offset used comes from gdb's reading of the vmlinux or from the sample's truth files — never
from ksleuth, whose errors these inputs are meant to provoke."""
import gzip
import os
import shutil
import struct
import subprocess

PAGE_OFFSET = 0xC0000000


def gdb_offsets(vmlinux, exprs):
    args = ["gdb", "-batch", "-nx"] + [a for e in exprs for a in ("-ex", f"print (int)&((({e[0]} *)0)->{e[1]})")]
    out = subprocess.run(args + [vmlinux], capture_output=True, text=True, timeout=300).stdout
    return [int(line.split("=")[1]) for line in out.splitlines() if line.startswith("$")]


def gunzip_to(src, dst, limit=None):
    with gzip.open(src, "rb") as i, open(dst, "wb") as o:
        if limit is None:
            shutil.copyfileobj(i, o, 1 << 20)
        else:
            o.write(i.read(limit))


def elf32_section(data, want):
    """(file offset, size) of an ELF32 section by name (the vmlinux is i386)."""
    shoff, = struct.unpack_from("<I", data, 32)
    shentsize, shnum, shstrndx = struct.unpack_from("<HHH", data, 46)
    def sh(i):
        return struct.unpack_from("<IIIIIIIIII", data, shoff + i * shentsize)
    stroff = sh(shstrndx)[4]
    for i in range(shnum):
        h = sh(i)
        name = data[stroff + h[0]:data.index(b"\0", stroff + h[0])].decode()
        if name == want:
            return h[4], h[5]
    raise KeyError(want)


def make_bad_dwarf(name, np, out):
    """np-96m's vmlinux with its debug sections decompressed, then damaged where the DWARF says
    how long things are: the first unit's length runs past .debug_info, or .debug_abbrev's bytes
    are all continuation bytes (a LEB128 that never ends). Readers must refuse, not crash. Its
    build-id is changed too, so that no type cache made for np-96m stands in for its DWARF."""
    subprocess.run(["objcopy", "--decompress-debug-sections", os.path.join(np, "vmlinux"), out + ".part"], check=True)
    with open(out + ".part", "rb") as f:
        data = bytearray(f.read())
    off, size = elf32_section(data, ".notes")      # a kernel's notes; the GNU build-id among them
    at = off
    while at < off + size:
        namesz, descsz, ntype = struct.unpack_from("<III", data, at)
        desc = at + 12 + (namesz + 3) // 4 * 4
        if ntype == 3 and data[at + 12:at + 15] == b"GNU":
            data[desc + descsz - 1] ^= 0xFF           # NT_GNU_BUILD_ID: its last byte
            break
        at = desc + (descsz + 3) // 4 * 4
    else:
        raise KeyError("build-id note")
    if name == "dwarf-info-truncated":
        off, size = elf32_section(data, ".debug_info")
        data[off:off + 4] = struct.pack("<I", size + 4096)
    else:
        off, size = elf32_section(data, ".debug_abbrev")
        data[off:off + size] = b"\xff" * size
    with open(out + ".part", "wb") as f:
        f.write(data)
    os.replace(out + ".part", out)
    return out


def unflatten(flat, out):
    """makedumpfile -R, in Python: apply the flattened records to make a plain kdump file."""
    with open(flat, "rb") as f:
        data = f.read()
    pos, recs = 4096, []
    while True:
        off, size = struct.unpack_from(">qq", data, pos)
        if off == -1:
            break
        recs.append((off, data[pos + 16:pos + 16 + size]))
        pos += 16 + size
    buf = bytearray(max(o + len(d) for o, d in recs))
    for o, d in recs:
        buf[o:o + len(d)] = d
    with open(out, "wb") as f:
        f.write(buf)
    return buf


def kdump_page_data(buf, pfn):
    """(offset, size) of a page's stored data in a plain kdump file with the 64-bit header."""
    bs, sub, bb = struct.unpack_from("<iiI", buf, 428)
    boff = bs * (1 + sub)
    half = bb * bs // 2
    bm2 = buf[boff + half:boff + 2 * half]
    rank = sum(bin(b).count("1") for b in bm2[:pfn // 8]) + bin(bm2[pfn // 8] & ((1 << (pfn % 8)) - 1)).count("1")
    off, size, _ = struct.unpack_from("<qII", buf, boff + bb * bs + rank * 24)
    return off, size


class Raw:
    """A writable copy of the raw memory image, addressed by kernel virtual (lowmem) address."""

    def __init__(self, path):
        self.f = open(path, "r+b")

    def u32(self, va):
        self.f.seek(va - PAGE_OFFSET)
        return struct.unpack("<I", self.f.read(4))[0]

    def put(self, va, value):
        self.f.seek(va - PAGE_OFFSET)
        self.f.write(struct.pack("<I", value))

    def task_of(self, init_task, off, pid):
        head = init_task + off["tasks"]
        node = self.u32(head)
        while node != head:
            task = node - off["tasks"]
            if self.u32(task + off["pid"]) == pid:
                return task
            node = self.u32(node)
        raise KeyError(pid)


def gdb_address(vmlinux, expr):
    out = subprocess.run(["gdb", "-batch", "-nx", "-ex", f"print/x (unsigned long)&{expr}", vmlinux],
                         capture_output=True, text=True, timeout=300).stdout
    return int(out.split("=")[1], 16)


def patch_elf_phys(path, paddr, data):
    """Overwrite bytes at a physical address of an ELF core, ELF64 (QEMU's dump-guest-memory) or
    ELF32 (a kdump /proc/vmcore): the PT_LOAD that holds it says where in the file."""
    with open(path, "r+b") as f:
        head = f.read(64)
        is64 = head[4] == 2
        phoff, = struct.unpack_from("<Q" if is64 else "<I", head, 32 if is64 else 28)
        phentsize, phnum = struct.unpack_from("<HH", head, 54 if is64 else 42)
        f.seek(phoff)
        phdrs = f.read(phentsize * phnum)
        for i in range(phnum):
            if is64:
                p_type, _, p_offset, _, p_paddr, p_filesz = struct.unpack_from("<IIQQQQ", phdrs, i * phentsize)
            else:
                p_type, p_offset, _, p_paddr, p_filesz = struct.unpack_from("<IIIII", phdrs, i * phentsize)
            if p_type == 1 and p_paddr <= paddr and paddr + len(data) <= p_paddr + p_filesz:
                f.seek(p_offset + paddr - p_paddr)
                f.write(data)
                return
    raise ValueError(f"physical {paddr:#x} is in no PT_LOAD segment")


def make_sparse(name, dumps, unpacked, out):
    """sparse-512m with its mem_section[] damaged: every entry cleared, or section 3's mem_map
    pointed at an address nothing maps."""
    vmlinux = os.path.join(dumps, "sparse-512m", "vmlinux")
    sections = gdb_address(vmlinux, "mem_section") - PAGE_OFFSET
    size = gdb_offsets(vmlinux, [("struct mem_section", "usage")])[0] * 2       # two words: map, usage
    shutil.copy(os.path.join(unpacked, "sparse-512m", "dump.elf"), out + ".part")
    if name == "sparse-no-sections":
        patch_elf_phys(out + ".part", sections, bytes(64 * size))
    else:                                             # present | has_mem_map, 0x0dead000 - 3 sections
        patch_elf_phys(out + ".part", sections + 3 * size, struct.pack("<I", 0x0DEAD000 | 3))
    os.replace(out + ".part", out)
    return out


def make_module_loop(dumps, unpacked, out):
    """np-oops with the module list's head pointing into the task list: a walk that never comes
    back to `modules`."""
    vmlinux = os.path.join(dumps, "np-oops", "vmlinux")
    head = gdb_address(vmlinux, "modules") - PAGE_OFFSET
    tasks = gdb_address(vmlinux, "init_task.tasks")
    shutil.copy(os.path.join(unpacked, "np-oops", "vmcore"), out + ".part")
    patch_elf_phys(out + ".part", head, struct.pack("<I", tasks))
    os.replace(out + ".part", out)
    return out


# issue 11's walkers on corrupt memory (offsets from gdb, addresses from truth/kallsyms).
ISSUE11_CASES = ("mount-list-loop", "files-wild-fdt", "runq-cfs-cycle", "slab-wild-freelist", "runq-wild-curr", "runq-wild-queued",
                 "slab-wild-name", "files-wild-fd-array")


def kallsyms_addr(np, name):
    return next(int(l.split()[0], 16) for l in open(os.path.join(np, "truth", "kallsyms")) if l.split()[2] == name)


def issue11_patch(name, raw, vmlinux, np, init_task, off):
    o = dict(zip(["nsproxy", "mnt_ns", "ns_list", "files", "fdt", "cfs", "timeline", "rb_left", "freelist", "page_size", "curr"],
                 gdb_offsets(vmlinux, [("struct task_struct", "nsproxy"), ("struct nsproxy", "mnt_ns"),
                                       ("struct mnt_namespace", "list"), ("struct task_struct", "files"),
                                       ("struct files_struct", "fdt"), ("struct rq", "cfs"),
                                       ("struct cfs_rq", "tasks_timeline"), ("struct rb_node", "rb_left"),
                                       ("struct slab", "freelist"), ("struct page", "flags"), ("struct rq", "curr")])))
    if name == "mount-list-loop":
        ns = raw.u32(raw.u32(init_task + o["nsproxy"]) + o["mnt_ns"])
        first = raw.u32(ns + o["ns_list"])
        raw.put(first, first)                              # the first mount's mnt_list.next is itself
    elif name == "files-wild-fdt":
        files = raw.u32(raw.task_of(init_task, off, 40) + o["files"])
        raw.put(files + o["fdt"], 0xDEADB000)
    elif name == "runq-cfs-cycle":
        # CPU 0's CFS tree: the root node is the tree's own rb_root, whose left child (the word at
        # rb_left's offset: rb_root_cached.rb_leftmost) is set to itself.
        rq = gdb_address(vmlinux, "runqueues") + raw.u32(gdb_address(vmlinux, "__per_cpu_offset"))
        root = rq + o["cfs"] + o["timeline"]
        raw.put(root, root)
        raw.put(root + o["rb_left"], root)
    elif name == "files-wild-fd-array":
        # PID 40's fd array is empty_zero_page filled with a pointer nothing maps, and max_fds 1024:
        # a thousand files that cannot be read, where the walk must give up, not list them all.
        max_off, fd_off = gdb_offsets(vmlinux, [("struct fdtable", "max_fds"), ("struct fdtable", "fd")])
        fdt = raw.u32(raw.u32(raw.task_of(init_task, off, 40) + o["files"]) + o["fdt"])
        page = gdb_address(vmlinux, "empty_zero_page")
        for i in range(1024):
            raw.put(page + 4 * i, 0xDEADB000)
        raw.put(fdt + max_off, 1024)
        raw.put(fdt + fd_off, page)
    elif name == "slab-wild-name":
        # The cred_jar cache (truth/slabinfo) on slab_caches gets a name pointer nothing maps.
        link, name_off = gdb_offsets(vmlinux, [("struct kmem_cache", "list"), ("struct kmem_cache", "name")])
        head = gdb_address(vmlinux, "slab_caches")
        pos = raw.u32(head)
        while pos != head:
            raw.f.seek(raw.u32(pos - link + name_off) - PAGE_OFFSET)
            if raw.f.read(9) == b"cred_jar\0":
                raw.put(pos - link + name_off, 0xDEADB000)
                break
            pos = raw.u32(pos)
        else:
            raise KeyError("cred_jar")
    elif name == "runq-wild-queued":
        # CPU 0's CFS tree gets one queued task, PID 40 (its se.run_node the root and leftmost node,
        # with no children), whose real_parent points at an address nothing maps: a queued task
        # that cannot be read.
        q = dict(zip(["se", "run_node", "rb_right", "real_parent"], gdb_offsets(vmlinux, [
            ("struct task_struct", "se"), ("struct sched_entity", "run_node"), ("struct rb_node", "rb_right"),
            ("struct task_struct", "real_parent")])))
        rq = gdb_address(vmlinux, "runqueues") + raw.u32(gdb_address(vmlinux, "__per_cpu_offset"))
        root = rq + o["cfs"] + o["timeline"]
        task = raw.task_of(init_task, off, 40)
        node = task + q["se"] + q["run_node"]
        raw.put(node + o["rb_left"], 0)
        raw.put(node + q["rb_right"], 0)
        raw.put(root, node)
        raw.put(root + o["rb_left"], node)                 # rb_root_cached.rb_leftmost
        raw.put(task + q["real_parent"], 0xDEADB000)
    elif name == "runq-wild-curr":
        # CPU 0's rq->curr points at an address nothing maps: no PID may be shown for it.
        rq = gdb_address(vmlinux, "runqueues") + raw.u32(gdb_address(vmlinux, "__per_cpu_offset"))
        raw.put(rq + o["curr"], 0xDEADB000)
    elif name == "slab-wild-freelist":
        # PID 40's task_struct lies in a task_struct slab; its struct slab (FLATMEM: mem_map + pfn *
        # sizeof(struct page)) gets a freelist pointing outside the slab.
        task = raw.task_of(init_task, off, 40)
        size = int(subprocess.run(["gdb", "-batch", "-nx", "-ex", "print sizeof(struct page)", vmlinux],
                                  capture_output=True, text=True, timeout=300).stdout.split("=")[1])
        # A slab's pages come from the buddy allocator, aligned to their number (slabinfo's
        # pagesperslab): the head page describes the slab.
        per_slab = next(int(l.split()[5]) for l in open(os.path.join(np, "truth", "slabinfo")) if l.startswith("task_struct "))
        pfn = ((task - PAGE_OFFSET) >> 12) & ~(per_slab - 1)
        page = raw.u32(kallsyms_addr(np, "mem_map")) + pfn * size
        raw.put(page + o["freelist"], 0xDEADB000)


# Issue 14 review: values the frame census sizes loops and arrays by, made corrupt.
CENSUS_CASES = ("census-max-pfn", "census-max-pfn-past-dump", "census-buddy-order", "census-compound-order")
PAGE_TYPE_BUDDY = 0xFFFFFF7F  # include/linux/page-flags.h: page_type with PG_buddy (0x80) cleared


def census_patch(name, raw, vmlinux):
    if name.startswith("census-max-pfn"):
        frames = os.path.getsize(raw.f.name) >> 12
        raw.put(gdb_address(vmlinux, "max_pfn"), 0x7FFFFFFF if name == "census-max-pfn" else frames + 0x1000)
        return
    o = dict(zip(["size", "flags", "page_type", "private", "order"],
                 [int(subprocess.run(["gdb", "-batch", "-nx", "-ex", "print sizeof(struct page)", vmlinux],
                                     capture_output=True, text=True, timeout=300).stdout.split("=")[1])]
                 + gdb_offsets(vmlinux, [("struct page", "flags"), ("struct page", "page_type"),
                                         ("struct page", "private"), ("struct page", "compound_order")])))
    head_bit, slab_bit = (int(subprocess.run(["gdb", "-batch", "-nx", "-ex", f"print (int){e}", vmlinux], capture_output=True,
                                             text=True, timeout=300).stdout.split("=")[1]) for e in ("PG_head", "PG_slab"))
    mem_map = raw.u32(gdb_address(vmlinux, "mem_map"))
    for pfn in range(os.path.getsize(raw.f.name) >> 12):
        page = mem_map + pfn * o["size"]
        flags = raw.u32(page + o["flags"])
        if name == "census-buddy-order" and raw.u32(page + o["page_type"]) == PAGE_TYPE_BUDDY:
            raw.put(page + o["private"], 0x7FFFFFFF)       # the free block's order
            return
        if name == "census-compound-order" and flags >> head_bit & 1 and flags >> slab_bit & 1:
            # np-96m's only compound pages are slabs: one stops being a slab, and its first tail
            # page's compound_order (a byte) becomes 31, far past MAX_ORDER.
            raw.put(page + o["flags"], flags & ~(1 << slab_bit))
            tail = page + o["size"] + o["order"]
            raw.put(tail & ~3, raw.u32(tail & ~3) & ~(0xFF << 8 * (tail & 3)) | 31 << 8 * (tail & 3))
            return
    raise KeyError(name)


class ElfLowmem(Raw):
    """A writable ELF core (QEMU's ELF64 or a kdump ELF32), addressed by kernel lowmem address: the
    PT_LOAD that holds a physical address says where in the file it is."""

    def __init__(self, path):
        self.f = open(path, "r+b")
        head = self.f.read(64)
        is64 = head[4] == 2
        phoff, = struct.unpack_from("<Q" if is64 else "<I", head, 32 if is64 else 28)
        phentsize, phnum = struct.unpack_from("<HH", head, 54 if is64 else 42)
        self.f.seek(phoff)
        phdrs = self.f.read(phentsize * phnum)
        self.loads = []
        for i in range(phnum):
            if is64:
                p_type, _, p_offset, _, p_paddr, p_filesz = struct.unpack_from("<IIQQQQ", phdrs, i * phentsize)
            else:
                p_type, p_offset, _, p_paddr, p_filesz = struct.unpack_from("<IIIII", phdrs, i * phentsize)
            if p_type == 1:
                self.loads.append((p_paddr, p_filesz, p_offset))

    def seek(self, va):
        pa = va - PAGE_OFFSET
        off = next(o + pa - p for p, n, o in self.loads if p <= pa and pa + 4 <= p + n)
        self.f.seek(off)

    def u32(self, va):
        self.seek(va)
        return struct.unpack("<I", self.f.read(4))[0]

    def put(self, va, value):
        self.seek(va)
        self.f.write(struct.pack("<I", value))


def make_vma_list_cycle(dumps, unpacked, out):
    """v510-np-256m (5.10: VMAs on the mm->mmap / vm_next list) with the manyvma workload's second
    VMA's vm_next pointing back at its first: a list that never ends."""
    sample = os.path.join(dumps, "v510-np-256m")
    vmlinux = os.path.join(sample, "vmlinux")
    names = [("struct task_struct", "tasks"), ("struct task_struct", "pid"), ("struct task_struct", "mm"),
             ("struct mm_struct", "mmap"), ("struct vm_area_struct", "vm_next")]
    off = dict(zip(["tasks", "pid", "mm", "mmap", "vm_next"], gdb_offsets(vmlinux, names)))
    init_task = next(int(l.split()[0], 16) for l in open(os.path.join(sample, "truth", "kallsyms")) if l.split()[2] == "init_task")
    pid = next(int(l.split("pid=")[1].split()[0]) for l in open(os.path.join(sample, "truth", "workloads")) if "mode=manyvma" in l)
    shutil.copy(os.path.join(unpacked, "v510-np-256m", "dump.elf"), out + ".part")
    core = ElfLowmem(out + ".part")
    first = core.u32(core.u32(core.task_of(init_task, off, pid) + off["mm"]) + off["mmap"])
    second = core.u32(first + off["vm_next"])
    core.put(second + off["vm_next"], first)
    core.f.close()
    os.replace(out + ".part", out)
    return out


# Review leftovers: a file's dentry chain that loops, and a file name longer than the census kept.
V510_DENTRY_CASES = ("dentry-loop", "long-file-name", "mount-wild-devname")
LONG_NAME = "long-" + "0123456789" * 19 + "-end"   # 199 bytes, one path component (NAME_MAX is 255)


def make_v510_dentry(name, dumps, unpacked, out):
    """v510-np-256m with the shmfile workload's fd 3 (/tmp/ksleuth-shared, truth/pid/PID/fd; its 32
    page-cache pages a census owner) patched: dentry-loop — its dentry's d_parent is fd 0's dentry
    (/dev/null) and that one's d_parent is it, a chain that never reaches a root from either file,
    and the task's working directory's dentry is wild; long-file-name — its d_name is LONG_NAME,
    written into empty_zero_page (nothing reads it back); mount-wild-devname — see below."""
    sample = os.path.join(dumps, "v510-np-256m")
    vmlinux = os.path.join(sample, "vmlinux")
    keys = ["tasks", "pid", "files", "fdt", "fd", "dentry", "d_parent", "d_name", "d_len"]
    off = dict(zip(keys, gdb_offsets(vmlinux, [
        ("struct task_struct", "tasks"), ("struct task_struct", "pid"), ("struct task_struct", "files"),
        ("struct files_struct", "fdt"), ("struct fdtable", "fd"), ("struct file", "f_path.dentry"),
        ("struct dentry", "d_parent"), ("struct dentry", "d_name.name"), ("struct dentry", "d_name.len")])))
    init_task = kallsyms_addr(sample, "init_task")
    pid = next(int(l.split("pid=")[1].split()[0]) for l in open(os.path.join(sample, "truth", "workloads")) if "mode=shmfile" in l)
    shutil.copy(os.path.join(unpacked, "v510-np-256m", "dump.elf"), out + ".part")
    core = ElfLowmem(out + ".part")
    fds = core.u32(core.u32(core.u32(core.task_of(init_task, off, pid) + off["files"]) + off["fdt"]) + off["fd"])
    shared, null = (core.u32(core.u32(fds + 4 * fd) + off["dentry"]) for fd in (3, 0))
    if name == "mount-wild-devname":
        # The namespace's second mount (truth/mounts: proc on /proc) gets an mnt_devname nothing maps.
        m = dict(zip(["nsproxy", "mnt_ns", "ns_list", "mnt_list", "devname"], gdb_offsets(vmlinux, [
            ("struct task_struct", "nsproxy"), ("struct nsproxy", "mnt_ns"), ("struct mnt_namespace", "list"),
            ("struct mount", "mnt_list"), ("struct mount", "mnt_devname")])))
        ns = core.u32(core.u32(init_task + m["nsproxy"]) + m["mnt_ns"])
        second = core.u32(core.u32(ns + m["ns_list"])) - m["mnt_list"]
        core.put(second + m["devname"], 0xDEADB000)
    elif name == "dentry-loop":
        core.put(shared + off["d_parent"], null)
        core.put(null + off["d_parent"], shared)
        # and its working directory's dentry is an address nothing maps (files: CWD unreadable).
        fs_off, pwd_off = gdb_offsets(vmlinux, [("struct task_struct", "fs"), ("struct fs_struct", "pwd.dentry")])
        core.put(core.u32(core.task_of(init_task, off, pid) + fs_off) + pwd_off, 0xDEADB000)
    else:
        page = gdb_address(vmlinux, "empty_zero_page")
        for i in range(0, len(LONG_NAME), 4):
            core.put(page + i, struct.unpack("<I", LONG_NAME[i:i + 4].encode().ljust(4, b"\0"))[0])
        core.put(shared + off["d_name"], page)
        # d_name.len shares a word with the name's hash (struct qstr): only its 32 bits are written.
        core.put(shared + off["d_len"], len(LONG_NAME))
    core.f.close()
    os.replace(out + ".part", out)
    return out


def make(name, dumps, unpacked, work):
    """Path of the derived input NAME, built into work/ on first use."""
    os.makedirs(work, exist_ok=True)
    np = os.path.join(dumps, "np-96m")
    out = os.path.join(work, name)
    # An input made by an older recipe (this file changed since) is made again.
    if os.path.exists(out):
        if os.path.getmtime(out) >= os.path.getmtime(os.path.abspath(__file__)):
            return out
        os.remove(out)
    if name.startswith("sparse-"):
        return make_sparse(name, dumps, unpacked, out)
    if name == "module-list-loop":
        return make_module_loop(dumps, unpacked, out)
    if name == "vma-list-cycle":
        return make_vma_list_cycle(dumps, unpacked, out)
    if name in V510_DENTRY_CASES:
        return make_v510_dentry(name, dumps, unpacked, out)
    if name == "vmcoreinfo-pg-slab":
        # np-96m's kdump vmcore with its VMCOREINFO note claiming PG_slab is bit 8 (the vmlinux:
        # 9): the dump's own word and the vmlinux disagree (kernel/features.c).
        with open(os.path.join(unpacked, "np-96m", "vmcore"), "rb") as f:
            data = f.read()
        # The first copy is the PT_NOTE's (right after the headers); the kernel's own copies in
        # memory follow in the PT_LOADs and are left as they are.
        assert data.find(b"NUMBER(PG_slab)=9\n") < 65536
        with open(out + ".part", "wb") as f:
            f.write(data.replace(b"NUMBER(PG_slab)=9\n", b"NUMBER(PG_slab)=8\n", 1))
        os.replace(out + ".part", out)
        return out
    if name in ("dwarf-info-truncated", "dwarf-abbrev-corrupt"):
        return make_bad_dwarf(name, np, out)
    if name == "stripped":
        subprocess.run(["objcopy", "--strip-debug", os.path.join(np, "vmlinux"), out], check=True)
        return out
    if name.startswith("elf-"):
        with open(os.path.join(unpacked, "np-96m", "vmcore"), "rb") as f:
            head = f.read({"elf-truncated-header": 40, "elf-truncated-phdrs": 100, "elf-wrong-machine": 4096}.get(name, 8 << 20))
        if name == "elf-wrong-machine":
            head = head[:18] + struct.pack("<H", 62) + head[20:]     # EM_X86_64
        with open(out, "wb") as f:
            f.write(head)
        return out
    if name == "gzip-truncated":
        with open(os.path.join(np, "dump.kdump.gz"), "rb") as f:
            data = f.read()
        with open(out, "wb") as f:
            f.write(data[:len(data) // 2])
        return out
    flat = os.path.join(unpacked, "np-96m", "dump.kdump")
    if name in ("kdump-flat-truncated", "kdump-flat-bad-signature"):
        with open(flat, "rb") as f:
            data = bytearray(f.read(1 << 20) if name == "kdump-flat-truncated" else f.read())
        if name == "kdump-flat-bad-signature":
            data[4096 + 16:4096 + 24] = b"XDUMP   "     # the first record holds the kdump header
        with open(out, "wb") as o:
            o.write(data)
        return out
    if name.startswith("kdump-"):
        buf = unflatten(flat, out)
        if name == "kdump-bad-signature":
            buf[0:8] = b"XDUMP   "
        elif name == "kdump-corrupt-header":
            buf[428:432] = struct.pack("<i", 1234)       # block_size in the 64-bit layout
        elif name == "kdump-bitmap-past-end":
            bs, sub = struct.unpack_from("<ii", buf, 428)
            del buf[bs * (1 + sub) + 100:]
        elif name == "kdump-bad-page":
            off, size = kdump_page_data(buf, 0x5fb1)      # the deadbeef stack page (truth/qemu/xp)
            for i in range(off + 2, off + min(size, 64)):
                buf[i] ^= 0xFF
        with open(out, "wb") as f:
            f.write(buf)
        return out
    # Patched copies of the raw image.
    vmlinux = os.path.join(np, "vmlinux")
    names = [("struct task_struct", "tasks"), ("struct task_struct", "pid"), ("struct task_struct", "mm"),
             ("struct mm_struct", "mm_mt.ma_root"), ("struct mm_struct", "pgd"), ("struct maple_arange_64", "slot"),
             ("struct maple_range_64", "slot")]
    off = dict(zip(["tasks", "pid", "mm", "root", "pgd", "aslot", "rslot"], gdb_offsets(vmlinux, names)))
    init_task = next(int(l.split()[0], 16) for l in open(os.path.join(np, "truth", "kallsyms")) if l.split()[2] == "init_task")
    shutil.copy(os.path.join(unpacked, "np-96m", "dump.raw"), out + ".part")
    raw = Raw(out + ".part")
    if name == "task-list-loop":
        first = raw.u32(init_task + off["tasks"])
        raw.put(first, first)                              # the first task's next points at itself
    elif name == "task-list-unmapped":
        raw.put(init_task + off["tasks"], 0xDEADB000)      # init_task.tasks.next: nothing maps it
    elif name == "vma-tree-cycle":
        mm = raw.u32(raw.task_of(init_task, off, 44) + off["mm"])
        root = raw.u32(mm + off["root"])
        slot = off["aslot"] if (root >> 3) & 0xF == 3 else off["rslot"]
        raw.put((root & ~0xFF) + slot, root)               # the root's first child is the root
    elif name.startswith("bt-"):
        # pid 40 (the deadbeef workload) sleeps in pause(): thread.sp points at its switch frame,
        # whose bp member is __schedule's frame pointer.
        sp_off, bp_off = gdb_offsets(vmlinux, [("struct task_struct", "thread.sp"), ("struct inactive_task_frame", "bp")])
        task = raw.task_of(init_task, off, 40)
        sp = raw.u32(task + sp_off)
        frame = raw.u32(sp + bp_off)
        if name == "bt-stack-outside":
            raw.put(task + sp_off, 0xC0001000)
        elif name == "bt-cyclic-frames":
            raw.put(frame, frame)                          # __schedule's caller frame is itself
        else:                                              # an entry-frame pointer to nowhere
            raw.put(frame, 0x7EAD0000)
    elif name == "printk-count-bits":
        # A corrupt printk ring: desc_ring.count_bits far beyond any ring (found by flipping bytes).
        prb = next(int(l.split()[0], 16) for l in open(os.path.join(np, "truth", "kallsyms")) if l.split()[2] == "prb")
        bits_off, = gdb_offsets(vmlinux, [("struct printk_ringbuffer", "desc_ring.count_bits")])
        raw.put(raw.u32(prb) + bits_off, 3240889764)
    elif name in ISSUE11_CASES:
        issue11_patch(name, raw, vmlinux, np, init_task, off)
    elif name in CENSUS_CASES:
        census_patch(name, raw, vmlinux)
    elif name == "wild-pgd-pointer":
        mm = raw.u32(raw.task_of(init_task, off, 40) + off["mm"])
        raw.put(mm + off["pgd"], 0xDEADB000)
    raw.f.close()
    os.replace(out + ".part", out)
    return out
