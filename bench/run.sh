#!/usr/bin/env bash
# Timings, never pass/fail (these machines are noisy): each line is the best of N runs.
#   bench/run.sh BUILD_DIR [N]
# Measures: start-up with a fresh and a cached DWARF index, `sys` on each sample, and whole-memory
# walks (kmem -p over 1.5 M struct pages, kmem -f, frag) on the 5 GB PAE sample and on the SPARSEMEM one,
# and memory searches on the 256 MB PAE sample (subtract its sys line for the search alone).
set -euo pipefail
build=$(realpath "$1"); n=${2:-3}
top=$(cd "$(dirname "$0")/.." && pwd)
cache=$(mktemp -d)
trap 'rm -rf "$cache"' EXIT
best() {   # best LABEL CMD...: best wall time of n runs
    local label=$1 t best=
    shift
    for _ in $(seq "$n"); do
        /usr/bin/time -f %e -o "$cache/t" "$@" >/dev/null 2>&1 || true
        t=$(tail -1 "$cache/t")
        best=$(printf '%s\n%s\n' "${best:-$t}" "$t" | sort -g | head -1)
    done
    printf '%-44s %6.2f s\n' "$label" "$best"
}
np=$top/dumps/np-96m
KSLEUTH_CACHE_DIR=$cache/none best "start-up, index built (np-96m)" \
    "$build/ksleuth" --no-cache "$np/vmlinux" "$np/dump.kdump.gz" -c sys
export KSLEUTH_CACHE_DIR=$cache
"$build/ksleuth" "$np/vmlinux" "$np/dump.kdump.gz" -c sys >/dev/null
capture() { ls "$top/dumps/$1"/dump.kdump.gz "$top/dumps/$1"/dump.elf.gz 2>/dev/null | head -1; }
for s in np-96m np-1200m pae-256m pae-5g sparse-512m pae-sparse-5g; do
    best "start-up, cached index, sys ($s)" "$build/ksleuth" "$top/dumps/$s/vmlinux" "$(capture "$s")" -c sys
done
p=$top/dumps/pae-5g
for c in "kmem -p" "kmem -f" "frag" "ps" "vm 45"; do
    best "$c (pae-5g)" "$build/ksleuth" "$p/vmlinux" "$p/dump.kdump.gz" -c "$c"
done
# issue 14: the census (one pass over mem_map after the page-table, stack, pcp and vmalloc walks)
# and the page types, against kmem -p alone (the census must stay within 2x of it); ps -m walks
# every address space's page tables.
for c in "kmem -c" "kmem -t" "ps -m"; do
    best "$c (pae-5g)" "$build/ksleuth" "$p/vmlinux" "$p/dump.kdump.gz" -c "$c"
done
# search: a value over every mapped page of kernel memory, and over all physical memory (256 MB).
pa=$top/dumps/pae-256m
for c in "sys" "search -k deadbeef" "search -p deadbeef" "search -k -c ksleuth-shared"; do
    best "$c (pae-256m)" "$build/ksleuth" "$pa/vmlinux" "$pa/dump.kdump.gz" -c "$c"
done
# SPARSEMEM: every struct page found through its section (114 688 pages in 7 sections).
sp=$top/dumps/sparse-512m
for c in "kmem -p" "kmem -f" "frag"; do
    best "$c (sparse-512m)" "$build/ksleuth" "$sp/vmlinux" "$sp/dump.elf.gz" -c "$c"
done
