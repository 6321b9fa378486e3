#!/usr/bin/env bash
# The benchmark and recipe scripts CI never runs whole (they boot QEMU or time things):
#   check_bench_scripts.sh SOURCE_DIR
# - each parses (bash -n, sh -n for the guest's init, Python's compiler for guest.py), and guest.py's
#   imports from dumps/recipe/capture.py exist;
# - crash-alias.sh, which crash-truth.sh and the benches use to start crash 8.0.2 on 6.1 kernels,
#   gives sys_open/sys_fork/sys_read as global functions at the addresses the vmlinux's own symbol
#   table has for __ia32_sys_open/fork/read (nm is the truth), on the np-96m sample's vmlinux.
set -euo pipefail
top=$(realpath "$1")
fail=0
for f in "$top"/bench/*.sh "$top"/dumps/recipe/crash-*.sh; do
    bash -n "$f" || { echo "FAIL: $f does not parse"; fail=1; }
done
sh -n "$top/bench/guest/init" || { echo "FAIL: bench/guest/init does not parse"; fail=1; }
python3 - "$top" <<'PY' || fail=1
import os, sys
top = sys.argv[1]
path = os.path.join(top, "bench", "guest.py")
compile(open(path).read(), path, "exec")
sys.path.insert(0, os.path.join(top, "dumps", "recipe"))
from capture import Qmp, TruthPort, wait_for, split_truth, truth_section_text, fresh_dir  # noqa: F401
PY

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
vmlinux=$top/dumps/np-96m/vmlinux
"$top/dumps/recipe/crash-alias.sh" "$vmlinux" "$tmp/vmlinux.crash"
nm "$tmp/vmlinux.crash" > "$tmp/nm"
checked=0
for s in open fork read; do
    want=$(nm "$vmlinux" | awk -v n="__ia32_sys_$s" '$3 == n {print $1}')
    got=$(awk -v n="sys_$s" '$3 == n {print $1 " " $2}' "$tmp/nm")
    if [ -z "$want" ] || [ "$got" != "$want T" ]; then
        echo "FAIL: sys_$s is '$got', __ia32_sys_$s is at '$want' (want a global function there)"
        fail=1
    else
        checked=$((checked + 1))
    fi
done
# The copy must differ from the vmlinux in those three symbols only.
extra=$(diff <(nm "$vmlinux" | sort) <(sort "$tmp/nm") | grep -c '^[<>]' || true)
[ "$extra" = 3 ] || { echo "FAIL: the aliased copy differs from the vmlinux in $extra symbols, want 3"; fail=1; }
echo "crash-alias: $checked of 3 aliases at their __ia32_sys_* address"
exit $fail
