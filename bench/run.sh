#!/usr/bin/env bash
# Timings and memory, never pass/fail (these machines are noisy): each line is the best of N runs,
# wall time, CPU time (user + system: the figure that survives a busy machine) and peak RSS from
# /usr/bin/time -v. Output of the commands goes to a scratch file, for ksleuth and crash alike.
#   bench/run.sh [--fetch] BUILD_DIR [N]        (N defaults to 3)
# --fetch runs bench/fetch.sh first: `apt-get download` of crash 8.0.2 (i386) and of Debian's
# linux-image-6.1.0-57-686-pae (+ its -dbg vmlinux) into /var/tmp/ksleuth-bench, outside the repo,
# and sets KSLEUTH_BENCH_CRASH and KSLEUTH_BENCH_FETCHED from what it found.
# Environment:
#   KSLEUTH_BENCH_CRASH="CMD..."  crash 8.0.2 (e.g. /var/tmp/ksleuth-bench/crash/usr/bin/crash, or
#       "qemu-i386 -L / .../crash" on a host that runs no i386 binaries): part 2 runs it on the same
#       commands and the same (uncompressed ELF) files as ksleuth, and prints the ratio crash/ksleuth.
#   KSLEUTH_BENCH_FETCHED  where bench/fetch.sh put Debian's vmlinux (default /var/tmp/ksleuth-bench)
#   KSLEUTH_BENCH_DUMPS    where bench/make-debian-dump.sh put its dumps (default /var/tmp/bench-dumps):
#       debian-256m there (Debian's 686-pae kernel, 256 MB, ELF) joins part 2 (part 1 without crash).
#   KSLEUTH_BENCH_PART=1|2  run only that part.
# Part 1, ksleuth alone (issue 12): `-c sys` with the type cache built (cold) and read (warm) on every
# sample, `ps`, `kmem -f`, `kmem -p` (1.57 M struct pages) on the 5 GB PAE sample, frag, vm, the
# census, searches on the 256 MB PAE sample and the SPARSEMEM walks. Part 2, crash beside ksleuth on
# the ELF captures crash can read (docs/crash-comparison.md): sys cold/warm, ps, kmem -f, kmem -p,
# vm PID, search -k. bench/growth.sh measures ps and vm against the number of tasks and VMAs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
if [ "${1:-}" = --fetch ]; then
    shift
    eval "$("$here/fetch.sh" | grep '^export ')"
fi
build=$(realpath "$1"); n=${2:-3}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
crash=${KSLEUTH_BENCH_CRASH:-}
fetched=${KSLEUTH_BENCH_FETCHED:-/var/tmp/ksleuth-bench}
dumps=${KSLEUTH_BENCH_DUMPS:-/var/tmp/bench-dumps}
# shellcheck source=bench/lib.sh
. "$here/lib.sh"

# Part 1: ksleuth alone. line LABEL [cold] VMLINUX DUMP COMMANDS
line() {
    local label=$1 cold=
    shift
    if [ "$1" = cold ]; then cold=cold; shift; fi
    measure $cold "$build/ksleuth" "$1" "$2" -c "$3"
    printf '%-44s %6.2f s %6.2f s %5d MB%s\n' "$label" "$wall" "$cpu" $((rss / 1024)) "$(ksleuth_failed)"
}
ksleuth_failed() { [ "$status" = 0 ] || printf '   (exit %s: %s)' "$status" "$(grep -v '^ *$' "$scratch/out" | tail -1)"; }

capture() { ls "$top/dumps/$1"/dump.kdump.gz "$top/dumps/$1"/dump.elf.gz 2>/dev/null | head -1; }
export KSLEUTH_CACHE_DIR=$scratch/cache
debian=$dumps/debian-256m
[ -f "$debian/dump.elf" ] && [ -f "$fetched/vmlinux-686-pae" ] || debian=

part=${KSLEUTH_BENCH_PART:-all}
if [ "$part" != 2 ]; then
echo "== ksleuth alone, best of $n"
printf '%-44s %8s %8s %8s\n' "" wall cpu "peak RSS"
for s in np-96m pae-256m pae-5g sparse-512m; do
    line "-c sys, type cache built ($s)" cold "$top/dumps/$s/vmlinux" "$(capture "$s")" sys
    line "-c sys, type cache read ($s)" "$top/dumps/$s/vmlinux" "$(capture "$s")" sys
done
p=$top/dumps/pae-5g
# vm of the manyvma workload (4 000 VMAs; until 2026-12-07 this line said `vm 45`, which is no PID
# of pae-5g's: it measured an error message).
for c in "ps" "kmem -f" "kmem -p" "frag" "vm $(manyvma_pid "$p/truth/workloads")"; do
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
fi

# Part 2: crash beside ksleuth, both on the same uncompressed ELF capture.
# crash_line: sets cwall ccpu crss and cnote (crash's first error line: a command it could not do).
crash_run() {
    local cmds=$1 vmlinux=$2 elf=$3; shift 3
    printf '%s\nq\n' "$cmds" > "$scratch/crash.cmds"
    # shellcheck disable=SC2086
    measure timeout 900 $crash -s "$@" -i "$scratch/crash.cmds" "$vmlinux" "$elf"
    cwall=$wall ccpu=$cpu crss=$rss
    cnote=$(grep -m1 -E '^(crash|sys|ps|kmem|vm|search): ' "$scratch/out" || true)
    [ "$status" = 0 ] || cnote="exit $status${cnote:+: $cnote}"
}
# side LABEL KSLEUTH_ARGS...: one row, ksleuth measured now, crash's figures from the last crash_run.
side() {
    local label=$1
    shift
    measure "$@"
    local note
    note=$(ksleuth_failed)
    [ -z "$cnote" ] || note="$note   crash: $cnote"
    printf '%-34s %6.2f %6.2f %5d | %6.2f %6.2f %5d | %6.1f %6.1f %5.1f%s\n' "$label" \
        "$wall" "$cpu" $((rss / 1024)) "$cwall" "$ccpu" $((crss / 1024)) \
        "$(echo "$cwall / ($wall + 0.005)" | bc -l)" "$(echo "$ccpu / ($cpu + 0.005)" | bc -l)" \
        "$(echo "$crss / $rss" | bc -l)" "$note"
}
# compare NAME VMLINUX ELF WORKLOADS CRASH_VMLINUX [CRASH_ARGS...]
compare() {
    local name=$1 vmlinux=$2 elf=$3 workloads=$4 cvmlinux=$5 c pid
    shift 5
    pid=$(manyvma_pid "$workloads")
    crash_run sys "$cvmlinux" "$elf" "$@"
    side "sys, cache built ($name)" cold "$build/ksleuth" "$vmlinux" "$elf" -c sys
    side "sys, cache read ($name)" "$build/ksleuth" "$vmlinux" "$elf" -c sys
    for c in ps "kmem -f" "kmem -p" "vm $pid" "search -k deadbeef"; do
        crash_run "$c" "$cvmlinux" "$elf" "$@"
        side "$c ($name)" "$build/ksleuth" "$vmlinux" "$elf" -c "$c"
    done
}
# sample_elf SAMPLE: its ELF capture, inflated into the scratch directory (crash reads no .gz), and a
# copy of its vmlinux with the aliases crash 8.0.2 needs.
sample_elf() {
    gunzip -c "$top/dumps/$1/dump.elf.gz" > "$scratch/$1.elf"
    "$top/dumps/recipe/crash-alias.sh" "$top/dumps/$1/vmlinux" "$scratch/$1.crash"
}

if [ -n "$debian" ] && { [ -z "$crash" ] || [ "$part" = 1 ]; }; then
    echo
    echo "== Debian 686-pae vmlinux (317 MB) + $debian/dump.elf (256 MB guest), ksleuth alone, best of $n"
    line "-c sys, type cache built (debian-256m)" cold "$fetched/vmlinux-686-pae" "$debian/dump.elf" sys
    line "-c sys, type cache read (debian-256m)" "$fetched/vmlinux-686-pae" "$debian/dump.elf" sys
fi
[ -n "$crash" ] || { echo; echo "(KSLEUTH_BENCH_CRASH unset, or no --fetch: crash not run)"; exit 0; }
[ "$part" != 1 ] || exit 0
how="native i386"
case "$crash" in *qemu-i386*) how="EMULATED by qemu-i386: crash's figures include the emulator" ;; esac
echo
echo "== crash 8.0.2 ($how) beside ksleuth, same ELF file, best of $n; ratio = crash / ksleuth"
printf '%-34s %20s | %20s | %20s\n' "" "ksleuth" "crash 8.0.2" "crash/ksleuth"
printf '%-34s %6s %6s %5s | %6s %6s %5s | %6s %6s %5s\n' "" "wall" "cpu" "MB" "wall" "cpu" "MB" "wall" "cpu" "RSS"
# The 5.10 pair: crash is a full peer there (sees every task). The 6.1 samples: crash starts with the
# aliases, but its ps sees only the idle tasks, so its vm PID fails (noted on the row).
for s in v510-np-256m np-96m sparse-512m; do
    sample_elf "$s"
    compare "$s" "$top/dumps/$s/vmlinux" "$scratch/$s.elf" "$top/dumps/$s/truth/workloads" "$scratch/$s.crash"
    rm -f "$scratch/$s.elf" "$scratch/$s.crash"
done
if [ -n "$debian" ]; then
    # shellcheck disable=SC2046
    compare debian-256m "$fetched/vmlinux-686-pae" "$debian/dump.elf" "$debian/truth/workloads" \
        "$fetched/vmlinux-686-pae.crash" $(cat "$debian/crash-args")
fi
