#!/usr/bin/env bash
# The dumps of bench/growth.sh (issue 12: `ps` and `vm` must grow linearly with tasks and VMAs),
# outside the repository, in $KSLEUTH_BENCH_DUMPS (default /var/tmp/bench-dumps):
#   bench/make-growth-dumps.sh [VMA_SIZES [TASK_COUNTS]]
#     defaults: "1000 4000 16000 64000" VMAs (vma-N: one manyvma process, no extra tasks) and
#     "50 200 800" tasks (task-M: manyvma 1000 plus M sleeping processes).
# Each is a 512 MB guest of Debian's 686-pae kernel (bench/make-debian-dump.sh), captured as QEMU's
# kdump-compressed file (zero pages left out: 22-32 MB each); under half a minute each under TCG.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for n in ${1:-1000 4000 16000 64000}; do
    "$here/make-debian-dump.sh" "vma-$n" 512 "$n" 0 kdump
done
for m in ${2:-50 200 800}; do
    "$here/make-debian-dump.sh" "task-$m" 512 1000 "$m" kdump
done
