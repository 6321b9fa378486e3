# shellcheck shell=bash disable=SC2034,SC2154  # it sets wall cpu rss status, the caller n scratch
# Shared by bench/run.sh and bench/growth.sh (sourced, not run). The caller sets n (runs per figure)
# and scratch (a private temporary directory), and exports KSLEUTH_CACHE_DIR.

# measure [cold] CMD...: sets wall, cpu (user + system, seconds) to the best of n runs, rss (KB) to
# the largest seen, status to the last run's exit code; the last run's output (stdout and stderr) is
# in $scratch/out. "cold" starts each run with an empty cache directory of its own (the cache it
# builds then joins the shared one, so a warm figure after it reads it).
measure() {
    local cold=0 w c r shared=$KSLEUTH_CACHE_DIR
    if [ "$1" = cold ]; then cold=1; shift; fi
    wall='' cpu='' rss=0
    for _ in $(seq "$n"); do
        if [ $cold = 1 ]; then export KSLEUTH_CACHE_DIR=$scratch/cold; rm -rf "$KSLEUTH_CACHE_DIR"; fi
        status=0
        /usr/bin/time -v -o "$scratch/t" "$@" >"$scratch/out" 2>&1 </dev/null || status=$?
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

# manyvma_pid WORKLOADS_FILE: the PID of the recipe's manyvma workload (guest truth).
manyvma_pid() { sed -n 's/.*mode=manyvma pid=\([0-9]*\).*/\1/p' "$1" | head -1; }
