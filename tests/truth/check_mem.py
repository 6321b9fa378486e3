"""Checks of ksleuth's physical-memory commands (kmem -i/-z/-f/-s/-p, kmem ADDRESS, frag) against a
sample's truth. Static facts must match exactly; counters the truth README says drift are compared
within a Drift (dumps/README.md, "What is exact and what drifts"). The kernel's fragmentation
formulas are re-implemented here independently."""


class Drift:
    """How far a moving counter may lie from the guest's record of it: pages (or a share of the
    larger value, whichever is more) for the page counters, blocks per order from 5 up for the free
    lists, thousandths for frag's unusable index against buddyinfo's, whole slabs for the slab caches,
    and its own floor and share for the Slab total."""

    def __init__(self, why, pages, share, high_order_blocks, unusable_milli, slabs, slab_pages, slab_share):
        self.why, self.pages, self.share = why, pages, share
        self.high_order_blocks, self.unusable_milli, self.slabs = high_order_blocks, unusable_milli, slabs
        self.slab_pages, self.slab_share = slab_pages, slab_share


# Truth recorded just before the capture: the guest's readers (cat, the shell's exec of the idle
# program) allocate and free pages between reading /proc and the capture.
BEFORE_CAPTURE = Drift("recorded just before the capture", pages=512, share=0.03, high_order_blocks=2,
                       unusable_milli=60, slabs=4, slab_pages=64, slab_share=0.1)
# Truth recorded before a crash that QEMU captured afterwards, the machine left hanging in panic()
# (Truth.captured_after_crash): the guest also ran on through the idle step, the test module's
# timer and the panic itself until QEMU stopped it 2 s later, so deferred work that a stop at READY
# leaves pending has run (RCU frees of the exited readers, per-CPU list drains, vmstat folding).
# Twice the budget above; dumps/README.md gives what the committed capture measured.
AFTER_CRASH = Drift("recorded before the crash, captured after it", pages=1024, share=0.06, high_order_blocks=4,
                    unusable_milli=120, slabs=8, slab_pages=128, slab_share=0.2)


def near(a, b, drift=BEFORE_CAPTURE, floor=None, share=None):
    floor = drift.pages if floor is None else floor
    share = drift.share if share is None else share
    return abs(a - b) <= max(floor, share * max(a, b))


def unusable(nr_free, order):
    free = sum(n << o for o, n in enumerate(nr_free))
    suitable = sum(n << (o - order) for o, n in enumerate(nr_free) if o >= order)
    return 1000 if free == 0 else (free - (suitable << order)) * 1000 // free


def extfrag(nr_free, order):
    total = sum(nr_free)
    free = sum(n << o for o, n in enumerate(nr_free))
    suitable = sum(n << (o - order) for o, n in enumerate(nr_free) if o >= order)
    if not total:
        return 0
    if suitable:
        return -1000
    return 1000 - (1000 + free * 1000 // (1 << order)) // total


def milli(text_value):
    return round(float(text_value) * 1000)


def kmem_i(c, t, doc, drift=BEFORE_CAPTURE):
    m, p = t.meminfo(), doc.get("pages", {})
    c.check(p.get("total") == m["MemTotal"], f"kmem -i total {p.get('total')} != MemTotal {m['MemTotal']}")
    c.check(p.get("commit_limit") == m["CommitLimit"], f"kmem -i commit_limit {p.get('commit_limit')} != CommitLimit {m['CommitLimit']}")
    if "HighTotal" in m:
        c.check(p.get("total_high") == m["HighTotal"], f"kmem -i total_high {p.get('total_high')} != HighTotal {m['HighTotal']}")
        c.check(p.get("total_low") == m["LowTotal"], f"kmem -i total_low {p.get('total_low')} != LowTotal {m['LowTotal']}")
        c.check(near(p.get("free_high", -1), m["HighFree"], drift), f"kmem -i free_high {p.get('free_high')} vs HighFree {m['HighFree']}")
    for ours, theirs in (("free", "MemFree"), ("cached", "Cached"), ("shared", "Shmem"), ("buffers", "Buffers"),
                         ("committed", "Committed_AS")):
        c.check(near(p.get(ours, -10**9), m[theirs], drift), f"kmem -i {ours} {p.get(ours)} vs {theirs} {m[theirs]}")
    c.check(near(p.get("slab", -1), m["Slab"], drift, drift.slab_pages, drift.slab_share), f"kmem -i slab {p.get('slab')} vs Slab {m['Slab']}")


def kmem_z(c, t, doc, drift=BEFORE_CAPTURE):
    truth = t.zoneinfo()
    zones = {z["zone"]: z for z in doc.get("zones", []) if z["present"]}
    c.check(set(zones) == set(n for n, z in truth.items() if z.get("present")), f"kmem -z zones {sorted(zones)} vs {sorted(truth)}")
    for name, z in zones.items():
        want = truth.get(name, {})
        for f in ("spanned", "present", "managed", "min", "low", "high"):
            c.check(z[f] == want.get(f), f"kmem -z {name} {f} {z[f]} != zoneinfo {want.get(f)}")
        c.check(near(z["vm_stat"]["NR_FREE_PAGES"], want.get("free", -10**9), drift), f"kmem -z {name} free {z['vm_stat']['NR_FREE_PAGES']} vs {want.get('free')}")


def kmem_f(c, t, doc, drift=BEFORE_CAPTURE):
    c.check(doc.get("problems") == 0, f"kmem -f found {doc.get('problems')} free-list problems")
    buddy = t.buddyinfo()
    c.check(doc.get("zones"), "kmem -f lists no zone: nothing to compare")
    for z in doc.get("zones", []):
        orders = z["orders"]
        c.check(all(o["blocks"] == o["nr_free"] for o in orders), f"kmem -f {z['zone']}: listed blocks differ from nr_free")
        want = buddy.get(z["zone"])
        if not c.check(want is not None, f"kmem -f zone {z['zone']} not in buddyinfo"):
            continue
        got = [o["blocks"] for o in orders]
        pages = lambda blocks: sum(b << i for i, b in enumerate(blocks))
        c.check(near(pages(got), pages(want), drift), f"kmem -f {z['zone']}: {pages(got)} free pages, buddyinfo {pages(want)}")
        c.check(all(abs(g - w) <= drift.high_order_blocks for g, w in zip(got[5:], want[5:])), f"kmem -f {z['zone']} high orders {got[5:]} vs buddyinfo {want[5:]}")


def frag(c, t, doc, kmemf_doc, drift=BEFORE_CAPTURE):
    nr_free = {z["zone"]: [o["nr_free"] for o in z["orders"]] for z in kmemf_doc.get("zones", [])}
    buddy = t.buddyinfo()
    pb_order, pb_counts = t.pagetypeinfo()
    c.check(doc.get("zones"), "frag lists no zone: nothing to compare")
    for z in doc.get("zones", []):
        name, nf = z["zone"], nr_free.get(z["zone"], [])
        for o in z["orders"]:
            k = o["order"]
            c.check(milli(o["unusable_index"]) == unusable(nf, k), f"frag {name} order {k}: unusable {o['unusable_index']} vs formula")
            c.check(milli(o["extfrag_index"]) == extfrag(nf, k), f"frag {name} order {k}: extfrag {o['extfrag_index']} vs formula")
            if name in buddy:
                c.check(abs(milli(o["unusable_index"]) - unusable(buddy[name], k)) <= drift.unusable_milli,
                        f"frag {name} order {k}: unusable {o['unusable_index']} far from buddyinfo's {unusable(buddy[name], k) / 1000}")
        pb = z["pageblocks"]
        c.check(pb["order"] == pb_order, f"frag {name}: pageblock order {pb['order']}, pagetypeinfo {pb_order}")
        # /proc/pagetypeinfo's loop: from the zone's first pfn in steps of a pageblock, skipping
        # pageblocks without a struct page (pfn_to_online_page: SPARSEMEM holes, null here).
        base = z["start_pfn"] & ~((1 << pb["order"]) - 1)
        names = list(pb["by_migratetype"])
        counted = dict.fromkeys(names, 0)
        for pfn in range(z["start_pfn"], z["start_pfn"] + z["spanned"], 1 << pb["order"]):
            mt = pb["migratetypes"][(pfn - base) >> pb["order"]]
            if mt is not None and mt < len(names):
                counted[names[mt]] += 1
        want = pb_counts.get(name, {})
        c.check(all(counted[n] == want.get(n) for n in names), f"frag {name}: pageblocks {counted} vs pagetypeinfo {want}")


def kmem_s(c, t, doc, drift=BEFORE_CAPTURE):
    truth = t.slabinfo()
    caches = {x["name"]: x for x in doc.get("caches", [])}
    c.check(set(caches) == set(truth), f"kmem -s caches differ: only ours {sorted(set(caches) - set(truth))[:5]}, "
                                       f"only slabinfo {sorted(set(truth) - set(caches))[:5]}")
    for name, (active, num, objsize, per_slab, pages, slabs) in truth.items():
        x = caches.get(name)
        if not x:
            continue
        c.check((x["size"], x["objects_per_slab"], x["pages_per_slab"]) == (objsize, per_slab, pages),
                f"kmem -s {name}: size/objperslab/pagesperslab {(x['size'], x['objects_per_slab'], x['pages_per_slab'])} "
                f"vs slabinfo {(objsize, per_slab, pages)}")
        slack = drift.slabs * per_slab
        c.check(abs(x["total"] - num) <= slack and abs(x["allocated"] - active) <= slack,
                f"kmem -s {name}: {x['allocated']}/{x['total']} objects vs slabinfo {active}/{num}")


def ram_sections(t, section_bits):
    """Sections the kernel must have given a mem_map: those holding any System RAM (memblock.memory
    is e820's RAM, and sparse_init() marks every section it touches present)."""
    out = set()
    for start, end in t.system_ram():
        out.update(range(start >> section_bits, (end >> section_bits) + 1))
    return out


def kmem_n(c, t, doc):
    """The memory model against the kernel's own .config, and SPARSEMEM's sections against iomem."""
    sparse = t.config("SPARSEMEM") == "y"
    c.check(doc.get("model") == ("SPARSEMEM" if sparse else "FLATMEM"),
            f"kmem -n model {doc.get('model')}, .config has SPARSEMEM={t.config('SPARSEMEM')}")
    if not sparse:
        return
    # arch/x86/include/asm/sparsemem.h: 64 MB sections without PAE, 512 MB with.
    bits = 29 if t.config("X86_PAE") == "y" else 26
    c.check(doc.get("section_size_bits") == bits, f"kmem -n SECTION_SIZE_BITS {doc.get('section_size_bits')}, expected {bits}")
    c.check(doc.get("nr_sections") == 1 << ((36 if bits == 29 else 32) - bits), f"kmem -n NR_MEM_SECTIONS {doc.get('nr_sections')}")
    got = {s["nr"] for s in doc.get("sections", [])}
    want = ram_sections(t, bits)
    c.check(got == want, f"kmem -n sections {sorted(got)}, iomem's System RAM touches {sorted(want)}")
    c.check(all("P" in s["state"] and "M" in s["state"] for s in doc.get("sections", [])), "a listed section is not present+mem_map")
    size = 1 << (bits - 12)
    c.check(all(s["pfn"] == s["nr"] * size for s in doc.get("sections", [])), "kmem -n PFN != NR << PFN_SECTION_SHIFT")


def hole_probes(t):
    """(physical address, has a struct page) for SPARSEMEM: the first and last frame of every System
    RAM range, and the first frame of every section below the top of RAM that holds none."""
    bits = 29 if t.config("X86_PAE") == "y" else 26
    probes = [(a, True) for start, end in t.system_ram() for a in (start, end & ~0xfff)]
    ram = ram_sections(t, bits)
    probes += [(n << bits, False) for n in range(max(ram)) if n not in ram]
    return probes
