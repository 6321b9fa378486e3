#!/usr/bin/env bash
# Record crash 8.0.2's view of a panic sample's kdump vmcore (ELF32 /proc/vmcore) as
# truth/crash/vmcore/*.txt: sys, bt, bt -a, ps, mod, sym -m, dis of the module's functions,
# log | tail, and bt PID for PIDs 0 and 1 and every workload — one crash session, each command's output
# redirected by crash itself into its file; crash's start-up messages go to startup.txt.
#   crash-truth-panic.sh SAMPLE_DIR
# crash-truth.sh installs crash and explains the sys_* aliases. Two more facts, measured here:
# - Where the machine cannot execute i386 binaries (no IA32 emulation in the host kernel:
#   "Exec format error"), crash runs under qemu-user's qemu-i386 (package qemu-user).
# - crash's i386 code takes PAGE_OFFSET to be _stext rounded down to 32 MB. For a kernel that
#   KASLR moved (pae-panic: _stext 0xca800000) that gives 0xca000000, every read lands 0x9800000
#   too low, and crash stops: "could not find MAGIC_START!", "invalid linux_banner pointer: 0",
#   "do not match!" (with or without --kaslr). --machdep page_offset=0xc0000000 (the config's
#   CONFIG_PAGE_OFFSET) together with --kaslr=auto (or --kaslr=OFFSET, the same result)
#   gets it going.
set -euo pipefail
here=$(dirname "$(realpath "$0")")
sample=$(realpath "$1")
work=${KSLEUTH_CRASH_WORK:-/var/tmp/ksleuth-crash}
# crash-truth.sh with no capture to record: installs crash and writes $work/vmlinux.crash.
"$here/crash-truth.sh" "$sample" ""
crash=("$work/x/usr/bin/crash")
rc=0; "${crash[0]}" --version >/dev/null 2>&1 || rc=$?
if [ "$rc" = 126 ]; then
    command -v qemu-i386 >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user >/dev/null
    crash=(qemu-i386 -L / "${crash[0]}")
fi
args=(-s)
offset=$(awk -F= '/^CONFIG_PAGE_OFFSET=/ {print $2}' "$sample/config")
grep -q '^CONFIG_RANDOMIZE_BASE=y' "$sample/config" && args+=(--kaslr=auto --machdep "page_offset=$offset")
gunzip -c "$sample/vmcore.gz" > "$work/vmcore"
out=$sample/truth/crash/vmcore
rm -rf "$out"; mkdir -p "$out"
{
    echo "sys > $out/sys.txt"
    echo "bt > $out/bt.txt"
    echo "bt -a > $out/bt_a.txt"
    echo "ps > $out/ps.txt"
    echo "mod > $out/mod.txt"
    echo "sym -m ksleuth_crash > $out/sym.txt"
    # every text symbol of the module, as the guest's /proc/kallsyms listed them
    awk '$2 ~ /^[tT]$/ && $3 != "cleanup_module" {print "dis " $3 " >> '"$out"'/dis.txt"}' "$sample/truth/kallsyms-module"
    echo "log | tail -n 40 > $out/log_tail.txt"
    for pid in 0 1 $(sed -n 's/.* pid=\([0-9]*\).*/\1/p' "$sample/truth/workloads"); do
        echo "bt $pid >> $out/bt_pids.txt"
    done
    echo q
} > "$work/panic.cmds"
timeout 1200 "${crash[@]}" "${args[@]}" "$work/vmlinux.crash" "$work/vmcore" < "$work/panic.cmds" \
    2>&1 | sed "s#$work/##g" > "$out/startup.txt" || true
{ echo "# crash 8.0.2 ${args[*]} vmlinux.crash vmcore; commands:"; sed "s# [>]* *$out/.*##" "$work/panic.cmds"; } > "$out/commands.txt"
sed -i "s#$work/##g" "$out"/*.txt
rm -f "$work/vmcore"
ls -la "$out"
