#!/usr/bin/env python3
"""Write tests/golden/<sample>/{golden.conf,text.cmds,json.cmds} for every committed sample, with
PIDs and addresses taken from the sample's truth. Run once when a sample is added; the .cmds are
committed and reviewed like the .out files (ksleuth --golden tests/golden --update makes those)."""
import os
import sys

top = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(top, "tests", "truth"))
from kstruth import Truth  # noqa: E402

# issue 11's inspection commands (files, mount, runq, kmem -S/-V, ascii, ptob/btop).
ISSUE11 = """files 1
files {pid}
mount
runq
kmem -S task_struct | head -30
kmem -V | head -12
ascii 62696c2f7273752f
ptob 512a
btop 512a000
"""

COMMON = """sys
ps
ps -u
vm {pid}
vm -p {pid} | head -12
set {pid}
vtop {var}
rd -u {var} 4
search -p -s {paddr:x} -l 4 deadbeef
rd -p {paddr:x} 8
rd -8 -a linux_banner 120
rd -s init_task 8
rd -64 jiffies_64 1
vtop linux_banner
ptov 1000
sym linux_banner
sym {sym_addr:x}
eval linux_banner + 10
p jiffies_64
p init_uts_ns.name
struct list_head -o
struct maple_metadata
union thread_union -o
whatis pte_t
whatis init_mm
task {pid} pid,comm,mm
list task_struct.tasks -h init_task | head -4
list -s task_struct.pid,comm task_struct.tasks -H init_task.tasks | head -6
tree -t rbtree -o vmap_area.rb_node -p vmap_area_root | head -4
log | tail -5
kmem -i
kmem -z
kmem -f
kmem -s | head -20
kmem -n
kmem -p {paddr:x}
kmem {paddr:x}
kmem {heap_paddr:x}
frag
bt -a
bt {pid}
bt -f {pid} | head -12
bt -l {pid} | head -8
foreach -u bt | head -20
foreach {pid} task pid,comm
dis schedule 8
dis -l schedule 4
help
help vtop
""" + ISSUE11


# The panic samples: why the kernel died.
PANIC = """mod
log -P | head -40
set -p
bt
bt -e | tail -12
sym ksleuth_crash_write
mod -s ksleuth_crash > /dev/null
struct ksleuth_victim
bt -l | head -10
dis -l ksleuth_crash_write 6
"""

# Issue 14 (census): where every page went, per process and for the whole machine.
CENSUS = """ps -m
vm -m {pid}
kmem -t
kmem -c
"""

# The one output model's last commands (issue 13) and per-CPU variables (issue 11's p -c).
OUTPORT = """p -c all current_task
p per_cpu(cpu_number, 1)
p -c 0 this_cpu_off
whatis enum zone_type
struct task_struct.pid,comm,in_execve init_task
set
eval -1
"""

for sample in sorted(os.listdir(os.path.join(top, "dumps"))):
    sdir = os.path.join(top, "dumps", sample)
    if not os.path.isfile(os.path.join(sdir, "version")):
        continue
    t = Truth(sdir)
    w = {x["mode"]: x for x in t.workloads()}
    pid, var = int(w["deadbeef"]["pid"]), int(w["deadbeef"]["stack_var"], 16)
    pfn = dict(t.pagemap(pid))[var & ~0xFFF]
    # 5.10 diff pair: state B's heap workload has exited (truth/phase); kmem looks at the COW
    # parent's first page there instead.
    anon = w["heap"] if "heap" in w else w["cow-parent"]
    heap = dict(t.pagemap(int(anon["pid"])))[int(anon["base"], 16)]
    banner = next(int(l.split()[0], 16) for l in t.text("kallsyms").splitlines() if l.split()[2] == "linux_banner")
    cmds = COMMON.format(pid=pid, var=f"{var:x}", paddr=(pfn << 12) | (var & 0xFFF), heap_paddr=heap << 12, sym_addr=banner + 0x10)
    cmds += CENSUS.format(pid=pid)  # issue 14
    capture = next(c for c in ("dump.kdump.gz", "dump.elf.gz", "vmcore.gz") if os.path.exists(os.path.join(sdir, c)))
    # 5.10 diff pair: both states have the test module loaded, but their QEMU captures were taken
    # before the crash; the panic commands go with a capture taken after it (a vmcore, or QEMU's
    # capture of a hung panic).
    after_crash = capture == "vmcore.gz" or (t.exists("panic") and not t.exists("console-with-capture.log"))
    if t.exists("modules") and after_crash:
        cmds += PANIC
    # Kernel features (issue 13): how ksleuth reads this kernel, decided once at open.
    cmds += "sys -f\n"
    cmds += OUTPORT
    out = os.path.join(top, "tests", "golden", sample)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "golden.conf"), "w") as f:
        f.write(f"vmlinux=../../../dumps/{sample}/vmlinux\ndump=../../../dumps/{sample}/{capture}\n")
    with open(os.path.join(out, "text.cmds"), "w") as f:
        f.write(cmds)
    with open(os.path.join(out, "json.cmds"), "w") as f:
        f.write("set json on\n" + "".join(l + "\n" for l in cmds.splitlines() if not l.startswith(("help", "set "))))
    print(f"wrote tests/golden/{sample}")
