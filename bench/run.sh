#!/usr/bin/env bash
# Timings and memory, never pass/fail (these machines are noisy): each line is the best of N runs,
# wall time, CPU time (user + system: the figure that survives a busy machine) and peak RSS from
# /usr/bin/time -v.
#   bench/run.sh BUILD_DIR [N]
# Environment:
#   KSLEUTH_BENCH_CRASH="CMD..."  also run crash 8.0.2 (e.g. "qemu-i386 -L / /path/to/crash", with
#       the vmlinux it needs aliased as dumps/recipe/crash-truth.sh explains) on the same commands and
#       print the ratio crash/ksleuth beside each figure, in the same run.
#   KSLEUTH_BENCH_VMLINUX, KSLEUTH_BENCH_DUMP  an extra kernel to measure -c sys cold/warm on (e.g.
#       Debian's 686-pae -dbg vmlinux, fetched with apt-get download: see docs/debian-kernels.md).
# Measures (issue 12): `-c sys` with the type cache built (cold) and read (warm) on every sample,
# `ps`, `kmem -f`, `kmem -p` (1.57 M struct pages) on the 5 GB PAE sample, and, from before, frag,
# vm, searches on the 256 MB PAE sample and the SPARSEMEM walks.
set -euo pipefail
build=$(realpath "$1"); n=${2:-3}
top=$(cd "$(dirname "$0")/.." && pwd)
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
crash=${KSLEUTH_BENCH_CRASH:-}

# measure CMD...: sets wall, cpu, rss (KB) to the best of n runs (rss: the largest seen). A command
# may be prefixed with "cold" to start each run with an empty cache directory of its own (the cache
# it builds then joins the shared one, so the warm line after it reads it).
measure() {
    local cold=0 w c r shared=$KSLEUTH_CACHE_DIR
    if [ "$1" = cold ]; then cold=1; shift; fi
    wall= cpu= rss=0
    for _ in $(seq "$n"); do
        if [ $cold = 1 ]; then export KSLEUTH_CACHE_DIR=$scratch/cold; rm -rf "$KSLEUTH_CACHE_DIR"; fi
        /usr/bin/time -v -o "$scratch/t" "$@" >/dev/null 2>&1 || true
        export KSLEUTH_CACHE_DIR=$shared
        w=$(awk -F': ' '/Elapsed/ {n = split($2, p, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + p[i]; print s}' "$scratch/t")
        c=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {print u + s}' "$scratch/t")
        r=$(awk -F': ' '/Maximum resident/ {print $2}' "$scratch/t")
        wall=$(printf '%s\n%s\n' "${wall:-$w}" "$w" | sort -g | head -1)
        cpu=$(printf '%s\n%s\n' "${cpu:-$c}" "$c" | sort -g | head -1)
        [ "$r" -gt "$rss" ] && rss=$r
    done
    if [ $cold = 1 ]; then mkdir -p "$shared"; cp "$scratch"/cold/*.types "$shared"/ 2>/dev/null || true; fi
}

header() { printf '%-40s %8s %8s %8s   %s\n' "" wall cpu "peak RSS" "${crash:+crash 8.0.2: wall cpu RSS (ratio)}"; }

# line LABEL [cold] VMLINUX DUMP COMMANDS: ksleuth's figures, and crash's beside them if asked.
line() {
    local label=$1 cold=
    shift
    if [ "$1" = cold ]; then cold=cold; shift; fi
    local vmlinux=$1 dump=$2 cmds=$3
    measure $cold "$build/ksleuth" "$vmlinux" "$dump" -c "$cmds"
    local kw=$wall kc=$cpu kr=$rss extra=
    if [ -n "$crash" ]; then
        printf '%s\nq\n' "${cmds//; /$'\n'}" > "$scratch/crash.cmds"
        # shellcheck disable=SC2086
        measure $crash -s -i "$scratch/crash.cmds" "$vmlinux" "$dump"
        extra=$(printf '%6.2f s %6.2f s %6d MB  (%.1fx, %.1fx)' "$wall" "$cpu" $((rss / 1024)) \
            "$(echo "$wall / $kw" | bc -l)" "$(echo "$cpu / ($kc + 0.001)" | bc -l)")
    fi
    printf '%-40s %6.2f s %6.2f s %5d MB   %s\n' "$label" "$kw" "$kc" $((kr / 1024)) "$extra"
}

capture() { ls "$top/dumps/$1"/dump.kdump.gz "$top/dumps/$1"/dump.elf.gz 2>/dev/null | head -1; }
export KSLEUTH_CACHE_DIR=$scratch/cache
header
for s in np-96m pae-256m pae-5g sparse-512m; do
    line "-c sys, type cache built ($s)" cold "$top/dumps/$s/vmlinux" "$(capture "$s")" sys
    line "-c sys, type cache read ($s)" "$top/dumps/$s/vmlinux" "$(capture "$s")" sys
done
if [ -n "${KSLEUTH_BENCH_VMLINUX:-}" ]; then
    line "-c sys, type cache built (extra)" cold "$KSLEUTH_BENCH_VMLINUX" "$KSLEUTH_BENCH_DUMP" sys
    line "-c sys, type cache read (extra)" "$KSLEUTH_BENCH_VMLINUX" "$KSLEUTH_BENCH_DUMP" sys
fi
p=$top/dumps/pae-5g
for c in "ps" "kmem -f" "kmem -p" "frag" "vm 43"; do # 43: the manyvma workload (truth/workloads), 4000 VMAs
    line "$c (pae-5g)" "$p/vmlinux" "$p/dump.kdump.gz" "$c"
done
# issue 14: the census (one pass over mem_map after the page-table, stack, pcp and vmalloc walks)
# and the page types, against kmem -p alone (the census must stay within 2x of it); ps -m walks
# every address space's page tables.
for c in "kmem -c" "kmem -t" "ps -m"; do
    line "$c (pae-5g)" "$p/vmlinux" "$p/dump.kdump.gz" "$c"
done
# search: a value over every mapped page of kernel memory, and over all physical memory (256 MB).
pa=$top/dumps/pae-256m
for c in "search -k deadbeef" "search -p deadbeef" "search -k -c ksleuth-shared"; do
    line "$c (pae-256m)" "$pa/vmlinux" "$pa/dump.kdump.gz" "$c"
done
# SPARSEMEM: every struct page found through its section (114 688 pages in 7 sections).
sp=$top/dumps/sparse-512m
for c in "kmem -p" "kmem -f"; do
    line "$c (sparse-512m)" "$sp/vmlinux" "$sp/dump.elf.gz" "$c"
done
