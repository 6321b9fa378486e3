#!/usr/bin/env bash
# A name that is both a local symbol (a static function in one file) and a global one means the
# global, as in /proc/kallsyms lookups and crash: np-96m's vmlinux gets two such names added with
# objcopy, each local below its global, so that resolving the second must not undo the first.
# The expected addresses come from the objcopy arguments, checked against nm.
#   check_sym_global.sh KSLEUTH DUMPS_DIR WORKDIR
set -euo pipefail
ksleuth=$1 dumps=$2 work=$3
mkdir -p "$work"
vmlinux=$work/vmlinux-dups
cp "$dumps/np-96m/vmlinux" "$vmlinux"
objcopy \
    --add-symbol ksleuth_dup_a=.text:0x100,function,local \
    --add-symbol ksleuth_dup_a=.text:0x200,function,global \
    --add-symbol ksleuth_dup_b=.text:0x300,function,local \
    --add-symbol ksleuth_dup_b=.text:0x400,function,global \
    "$vmlinux"
fail=0
for name in ksleuth_dup_a ksleuth_dup_b; do
    want=$(nm "$vmlinux" | awk -v n="$name" '$3 == n && $2 == "T" {print $1}')
    local=$(nm "$vmlinux" | awk -v n="$name" '$3 == n && $2 == "t" {print $1}')
    [ -n "$want" ] && [ -n "$local" ] || { echo "FAIL: objcopy did not add $name twice"; exit 1; }
    got=$(KSLEUTH_CACHE_DIR="$work/cache" "$ksleuth" --json "$vmlinux" "$dumps/np-96m/dump.kdump.gz" -c "sym $name" |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["symbols"][0]["address"])')
    if [ "$((16#${got#0x}))" -ne "$((16#$want))" ]; then
        echo "FAIL: sym $name gives $got, the global is $want (the local $local)"
        fail=1
    else
        echo "ok: sym $name -> $got (global; local at $local)"
    fi
done
exit $fail
