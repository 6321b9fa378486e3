#!/usr/bin/env bash
# Issue 12: `ps` and `vm` must cost in proportion to the tasks and VMAs they list. Timings only.
#   bench/growth.sh BUILD_DIR [N [R]]       (N: best of N runs, default 3; R: repeats, default 5)
# On the dumps of bench/make-growth-dumps.sh ($KSLEUTH_BENCH_DUMPS, default /var/tmp/bench-dumps):
# vma-V (one process with V VMAs) and task-T (T more processes), all of Debian's 686-pae kernel
# (vmlinux from bench/fetch.sh, $KSLEUTH_BENCH_FETCHED). Each command runs R times in one session
# (`-c "vm P; vm P; ..."`), so that what it costs beyond start-up stands out of the noise; R is
# scaled so that every dump of a series does the same work if the cost is linear (R on the largest,
# R x 64 on one 64 times smaller). The extra CPU time per command is
# (cpu(R commands) - cpu(sys)) / R, and the cost per unit that divided by the
# guest's own count of VMAs (/proc/PID/maps lines) or tasks (busybox ps lines). Linear growth shows as
# a cost per unit that stays flat from the smallest dump to the largest.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=$(realpath "$1"); n=${2:-3}; repeats=${3:-5}
fetched=${KSLEUTH_BENCH_FETCHED:-/var/tmp/ksleuth-bench}
dumps=${KSLEUTH_BENCH_DUMPS:-/var/tmp/bench-dumps}
vmlinux=$fetched/vmlinux-686-pae
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
# shellcheck source=bench/lib.sh
. "$here/lib.sh"
export KSLEUTH_CACHE_DIR=$scratch/cache
# The type cache is built once (cold, ~30 s); every figure below reads it.
measure "$build/ksleuth" "$vmlinux" "$dumps/vma-1000/dump.kdump" -c sys

# row DUMP UNITS REPEATS COMMAND: one line, the extra cost of COMMAND over start-up (`sys`), per unit,
# and per unit added since the previous (smaller) dump of the series: flat columns mean linear growth.
declare -A last_units last_extra
row() {
    local dump=$1 units=$2 repeats=$3 cmd=$4 base many extra marginal=
    measure "$build/ksleuth" "$vmlinux" "$dump/dump.kdump" -c sys
    base=$cpu
    many=$(for _ in $(seq "$repeats"); do printf '%s; ' "$cmd"; done)
    measure "$build/ksleuth" "$vmlinux" "$dump/dump.kdump" -c "$many"
    extra=$(echo "($cpu - $base) * 1000 / $repeats" | bc -l)
    local key="${dump%-*} ${cmd%% [0-9]*}"     # one series per kind of dump and command
    if [ -n "${last_units[$key]:-}" ]; then
        marginal=$(printf '%8.2f us' "$(echo "($extra - ${last_extra[$key]}) * 1000 / ($units - ${last_units[$key]})" | bc -l)")
    fi
    last_units[$key]=$units last_extra[$key]=$extra
    printf '%-10s %6d %5d  %-11s %6.2f s %6.2f s %4d MB %8.2f ms %8.2f us %s\n' "$(basename "$dump")" "$units" \
        "$repeats" "$cmd" "$base" "$cpu" $((rss / 1024)) "$extra" "$(echo "$extra * 1000 / $units" | bc -l)" "$marginal"
}

echo "best of $n; R: the command repeated in one session; CPU = user + system"
printf '%-10s %6s %5s  %-11s %8s %8s %7s %11s %11s %11s\n' dump units R command "cpu sys" "cpu xR" "peak" \
    "extra/cmd" "per unit" "marginal"
sizes() { ls -d "$dumps/$1"-* 2>/dev/null | sed "s/.*$1-//" | sort -n; }
# ps reads a few words per task and none per VMA: it gets 10 times the repeats to stand out, and on
# the VMA series a fixed number (it should not grow there at all).
largest=$(sizes vma | tail -1)
for v in $(sizes vma); do
    d=$dumps/vma-$v
    pid=$(manyvma_pid "$d/truth/workloads")
    vmas=$(awk -v p="$pid" '$1 == p {print $2}' "$d/truth/vma-counts")
    # A bench of a walk that stops early would measure nothing: ksleuth's vm must list them all.
    listed=$("$build/ksleuth" "$vmlinux" "$d/dump.kdump" -c "vm $pid" | grep -cE '^[0-9a-f]{8} +[0-9a-f]+ +[0-9a-f]+ ' || true)
    [ "$listed" = "$vmas" ] || echo "WARNING: vm $pid lists $listed VMAs, the guest's maps $vmas"
    for c in "vm $pid" "vm -m $pid" "ps -m"; do
        row "$d" "$vmas" $((repeats * largest / v)) "$c"
    done
    row "$d" "$vmas" $((repeats * 10)) ps
done
largest=$(sizes task | tail -1)
for t in $(sizes task); do
    d=$dumps/task-$t
    tasks=$(($(wc -l < "$d/truth/ps") - 1))
    row "$d" "$tasks" $((repeats * 10 * largest / t)) ps
    row "$d" "$tasks" $((repeats * largest / t)) "ps -m"
done
