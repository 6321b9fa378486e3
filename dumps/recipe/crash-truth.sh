#!/usr/bin/env bash
# Record crash 8.0.2's view of a sample dump as truth/crash/<capture>/*.txt — an independent reader
# of the same bytes, so where it works its numbers must equal ksleuth's exactly.
#   crash-truth.sh SAMPLE_DIR CAPTURE[.gz] [--kaslr OFFSET]
# With CAPTURE "" it only installs crash and writes $work/vmlinux.crash (crash-truth-panic.sh).
# crash 8.0.2 (Debian's i386 build) stops on 6.1 kernels because sys_open/sys_fork/sys_read became
# __ia32_sys_*; aliasing those three symbols in a copy of the vmlinux gets it going. It cannot read
# QEMU 7.2's flattened kdump files (64-bit header), so only ELF captures are recorded.
set -euo pipefail
sample=$(realpath "$1"); capture=$2; shift 2
work=${KSLEUTH_CRASH_WORK:-/var/tmp/ksleuth-crash}
mkdir -p "$work"
if [ ! -x "$work/x/usr/bin/crash" ]; then
    dpkg --print-foreign-architectures | grep -q i386 || dpkg --add-architecture i386
    apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libncursesw6:i386 libtinfo6:i386 liblzo2-2:i386 libsnappy1v5:i386 \
        libzstd1:i386 >/dev/null
    (cd "$work" && apt-get download crash:i386 && dpkg-deb -x crash_*_i386.deb x)
fi
"$(dirname "$(realpath "$0")")/crash-alias.sh" "$sample/vmlinux" "$work/vmlinux.crash"
[ -n "$capture" ] || exit 0
name=$(basename "$capture" .gz)
case "$capture" in *.gz) gunzip -c "$sample/$capture" > "$work/$name" ;; *) cp "$sample/$capture" "$work/$name" ;; esac
out=$sample/truth/crash/$name
mkdir -p "$out"
# crash takes its commands on stdin; its own start-up warnings go to the same stream, so each file
# starts after them and tests read only the lines they need.
for cmd in "sys" "kmem -i" "kmem -z" "kmem -f" "kmem -s" "kmem -n"; do
    printf '%s\nq\n' "$cmd" | timeout 600 "$work/x/usr/bin/crash" -s "$@" "$work/vmlinux.crash" "$work/$name" \
        > "$out/$(echo "$cmd" | tr ' ' '_' | tr -d -).txt" 2>&1 || true
done
# Tasks, mounts and each workload's open files (crash sees every task on 5.10, one on 6.1): ps.txt,
# mount.txt, files.txt (one `files PID` after another, in truth/workloads order).
for cmd in "ps" "mount"; do
    printf '%s\nq\n' "$cmd" | timeout 600 "$work/x/usr/bin/crash" -s "$@" "$work/vmlinux.crash" "$work/$name" \
        > "$out/$cmd.txt" 2>&1 || true
done
{ sed -n 's/.* pid=\([0-9]*\).*/files \1/p' "$sample/truth/workloads"; echo q; } > "$work/files.cmds"
timeout 600 "$work/x/usr/bin/crash" -s "$@" "$work/vmlinux.crash" "$work/$name" < "$work/files.cmds" > "$out/files.txt" 2>&1 || true
awk '!/^#/ && $2 != "unmapped" {print "vtop " $1}' "$sample/truth/qemu/gva2gpa" > "$work/vtop.cmds"
echo q >> "$work/vtop.cmds"
timeout 600 "$work/x/usr/bin/crash" -s "$@" "$work/vmlinux.crash" "$work/$name" < "$work/vtop.cmds" > "$out/vtop.txt" 2>&1 || true
rm -f "$work/$name"
ls -la "$out"
