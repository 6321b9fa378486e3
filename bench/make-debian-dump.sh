#!/usr/bin/env bash
# A dump of Debian's own 6.1 686-pae kernel for the benchmarks, outside the repository (dumps/ is at
# its size budget; CI never runs this):
#   bench/make-debian-dump.sh NAME MEM_MB [VMAS [TASKS [FORMATS]]]
# boots vmlinuz-6.1.0-57-686-pae (bench/fetch.sh fetches it, `apt-get download`) under
# qemu-system-i386 TCG with MEM_MB of RAM, an initramfs of busybox-static:i386, the recipe's workload
# program (dumps/recipe/guest/workload.c) and bench/guest/init, whose workloads are the recipe's
# deadbeef and heap plus `manyvma VMAS` (default 4000) and TASKS more sleeping processes (default 0);
# then stops the guest and writes $KSLEUTH_BENCH_DUMPS/NAME/ (default /var/tmp/bench-dumps):
# dump.elf (QEMU ELF core; crash 8.0.2 reads it) and/or dump.kdump (FORMATS: elf, kdump or
# elf,kdump; default elf), truth/ (the guest's workloads, VMA counts, ps, meminfo, console log).
# Debian's kernel keeps KASLR on (CONFIG_RANDOMIZE_BASE=y), and so do these guests.
# 10-30 s per dump under TCG on 2 cores (the kernel reaches the workloads in ~8 s); the 256 MB ELF
# is 285 MB on disk, the kdump files of the 512 MB growth guests 22-32 MB.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
name=$1 mem=$2 vmas=${3:-4000} tasks=${4:-0} formats=${5:-elf}
fetched=${KSLEUTH_BENCH_FETCHED:-/var/tmp/ksleuth-bench}
dumps=${KSLEUTH_BENCH_DUMPS:-/var/tmp/bench-dumps}
vmlinuz=$fetched/linux-image/boot/vmlinuz-6.1.0-57-686-pae
[ -f "$vmlinuz" ] || "$here/fetch.sh" "$fetched" >/dev/null
command -v qemu-system-i386 >/dev/null && command -v cpio >/dev/null && [ -x /bin/busybox ] \
    && gcc -m32 -static -x c -o /dev/null - <<<'int main(void){return 0;}' 2>/dev/null \
    || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-system-x86 gcc-multilib busybox-static:i386 cpio >/dev/null
file -L /bin/busybox | grep -q 'Intel 80386.*statically linked' || { echo "need busybox-static:i386" >&2; exit 1; }

# The initramfs, rebuilt every time (seconds): busybox, the workload program, the bench init.
mkdir -p "$dumps"
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
mkdir -p "$root"/{bin,proc,sys,dev,tmp}
cp /bin/busybox "$root/bin/busybox"
install -m 755 "$here/guest/init" "$root/init"
gcc -m32 -static -O2 -Wall -Werror -o "$root/bin/workload" "$here/../dumps/recipe/guest/workload.c"
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 > "$dumps/initramfs.cpio.gz"

python3 "$here/guest.py" --kernel "$vmlinuz" --initrd "$dumps/initramfs.cpio.gz" --mem "$mem" \
    --append "bench.manyvma=$vmas bench.tasks=$tasks" --formats "$formats" --out "$dumps/$name"
# crash 8.0.2 cannot find the KASLR offset of an i386 QEMU dump by itself (no KERNELOFFSET, and
# --kaslr=auto fails: "do not match!"); it is given the guest's own (/proc/kallsyms' _text against the
# vmlinux's) and the PAGE_OFFSET its i386 code would otherwise guess wrong (docs/crash-comparison.md).
linked=$(nm "$fetched/vmlinux-686-pae" | awk '$3 == "_text" {print $1}')
running=$(awk '$3 == "_text" {print $1}' "$dumps/$name/truth/kallsyms")
printf -- '--kaslr=0x%x --machdep page_offset=0xc0000000\n' $((0x$running - 0x$linked)) > "$dumps/$name/crash-args"
cat "$dumps/$name/truth/vma-counts" "$dumps/$name/crash-args"
ls -la "$dumps/$name"
