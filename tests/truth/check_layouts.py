#!/usr/bin/env python3
"""Struct layouts from ksleuth's DWARF reader against gdb's `ptype /o` (an independent reader, and the
one crash itself is built on).

  check_layouts.py KSLEUTH VMLINUX DUMP [STRUCT...]     (extra structs this kernel has, e.g. mem_section)

For each struct ksleuth relies on, every member ksleuth lists (name and byte offset — for a bit-field
the byte of its first bit, gdb's convention — nested anonymous members included) must appear in gdb's listing at the same offset,
and the sizes must agree."""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from kstruth import Checks  # noqa: E402

STRUCTS = ["task_struct", "mm_struct", "vm_area_struct", "page", "zone", "pglist_data", "free_area",
           "printk_info", "prb_desc", "printk_ringbuffer", "kmem_cache", "kmem_cache_node", "maple_tree",
           "maple_range_64", "maple_arange_64", "file", "dentry", "vfsmount", "mount", "uts_namespace",
           "timekeeper", "signal_struct", "list_head", "qstr"]

# Structs only some kernel generations have: where gdb finds no such struct in the vmlinux (5.10 keeps
# VMAs on the vm_next list, checked through vm_area_struct), ksleuth must say it is not there either.
GENERATION_SPECIFIC = {"maple_tree", "maple_range_64", "maple_arange_64"}

MEMBER = re.compile(r"^\s+\[(\d+)\] .*?(\w+)(?:\[\d*\])*(?: : \d+)?;$")
GDB_WITH_OFFSET = re.compile(r"^/\*\s*(\d+)(?::\s*\d+)?\s*\|\s*\d+\s*\*/\s*(.*)$")
GDB_SIZE_ONLY = re.compile(r"^/\*\s*\d+\s*\*/\s*(.*)$")
DECL_NAME = re.compile(r"(\w+)(?:\[\d*\])*(?:\s*:\s*\d+)?;$")


def gdb_layouts(vmlinux, names):
    """{struct: ({(member, offset)}, size)} from one gdb run. Union members carry no offset in gdb's
    listing: they sit at their union's offset, kept on a stack of open braces."""
    args = ["gdb", "-batch", "-nx", "-ex", "set width 0"]
    for n in names:
        args += ["-ex", f"echo @@ {n}\\n", "-ex", f"ptype /o struct {n}"]
    out = subprocess.run(args + [vmlinux], capture_output=True, text=True, timeout=600).stdout
    result = {}
    for chunk in out.split("@@ ")[1:]:
        name, _, body = chunk.partition("\n")
        pairs, stack = set(), []          # stack: (offset, is_union)
        for line in body.splitlines():
            m = GDB_WITH_OFFSET.match(line.strip())
            m2 = None if m else GDB_SIZE_ONLY.match(line.strip())
            if m:
                off, decl = int(m.group(1)), m.group(2)
            elif m2:
                off, decl = (stack[-1][0] if stack else None), m2.group(1)
            else:
                closing = re.match(r"^\s*\}\s*(\w*);?$", line)
                if closing and stack:
                    off, _ = stack.pop()
                    if closing.group(1) and off is not None:
                        pairs.add((closing.group(1), off))
                continue
            if decl.endswith("{"):
                stack.append((off, decl.startswith("union")))
                continue
            dm = DECL_NAME.search(decl)
            if dm and off is not None:
                pairs.add((dm.group(1), off))
        size = re.findall(r"/\* total size \(bytes\):\s*(\d+) \*/", body)
        result[name] = (pairs, int(size[-1]) if size else None)
    return result


def main():
    ksleuth, vmlinux, dump = sys.argv[1:4]
    structs = STRUCTS + sys.argv[4:]
    c = Checks(f"layouts/{os.path.basename(os.path.dirname(vmlinux))}")
    theirs = gdb_layouts(vmlinux, structs)
    absent = [s for s in structs if s in GENERATION_SPECIFIC and theirs.get(s, (None, None))[1] is None]
    structs = [s for s in structs if s not in absent]
    for s in absent:
        p = subprocess.run([ksleuth, "-c", f"struct {s}", vmlinux, dump], capture_output=True, text=True, timeout=300)
        c.check(p.returncode != 0 and f"struct {s} not found" in p.stderr,
                f"struct {s}: gdb finds none in this kernel, ksleuth says rc {p.returncode} {p.stderr.strip()[:200]}")
    cmds = "\n".join(f"struct {s} -o" for s in structs) + "\n"
    p = subprocess.run([ksleuth, vmlinux, dump], input=cmds, capture_output=True, text=True, timeout=300)
    c.check(p.returncode == 0, f"ksleuth failed: {p.stderr.strip()[:300]}")
    blocks = re.split(r"^(?=struct \w+ \{$)", p.stdout, flags=re.M)
    ours = {}
    for b in blocks:
        m = re.match(r"struct (\w+) \{", b)
        if m:
            size = re.search(r"^SIZE: (\d+)", b, re.M)
            ours[m.group(1)] = ([(mm.group(2), int(mm.group(1))) for mm in map(MEMBER.match, b.splitlines()) if mm],
                                int(size.group(1)) if size else None)
    for s in structs:
        if not c.check(s in ours and s in theirs, f"no layout for struct {s} (ksleuth or gdb)"):
            continue
        members, size = ours[s]
        ref, ref_size = theirs[s]
        c.check(size == ref_size, f"struct {s}: size {size}, gdb says {ref_size}")
        missing = [m for m in members if m not in ref]
        c.check(not missing and members, f"struct {s}: members not at gdb's offsets: {missing[:5]}")
    return c.finish()


if __name__ == "__main__":
    sys.exit(main())
