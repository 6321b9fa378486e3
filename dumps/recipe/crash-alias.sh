#!/usr/bin/env bash
# Write a copy of a vmlinux that crash 8.0.2 can start on:
#   crash-alias.sh VMLINUX OUT
# 6.1 (and 5.10) i386 kernels name sys_open/sys_fork/sys_read __ia32_sys_*, and crash 8.0.2 stops with
# `cannot resolve "sys_open"`; the copy gets the three old names as aliases of the new functions.
# Used by crash-truth.sh and the benchmarks (bench/fetch.sh, bench/run.sh).
set -euo pipefail
vmlinux=$1 out=$2
text=$(readelf -SW "$vmlinux" | awk '{for (i = 1; i < NF; i++) if ($i == ".text") print $(i + 2)}')
alias_args=()
for s in open fork read; do
    addr=$(nm "$vmlinux" | awk -v n="__ia32_sys_$s" '$3 == n {print $1}')
    [ -n "$addr" ] || continue      # an older kernel that still has sys_$s itself
    alias_args+=(--add-symbol "sys_$s=.text:0x$(printf '%x' $((0x$addr - 0x$text))),function,global")
done
objcopy "${alias_args[@]}" "$vmlinux" "$out"
