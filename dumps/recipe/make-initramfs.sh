#!/usr/bin/env bash
# Build the guest initramfs for one kernel flavour.
#   make-initramfs.sh BZIMAGE OUTDIR [MODULE.ko]
# Makes OUTDIR/capture.cpio.gz (busybox + init: the kdump capture side) and
# OUTDIR/initramfs.cpio.gz (workloads, pagemap and kpageflags readers, kexec with its libraries, and the
# kernel plus capture initramfs that kexec -p loads).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bzimage=$(realpath "$1"); out=$(realpath -m "$2"); module=${3:-}
busybox=/bin/busybox        # from busybox-static:i386 (statically linked)
file -L "$busybox" | grep -q 'Intel 80386.*statically linked' || { echo "need busybox-static:i386" >&2; exit 1; }
rm -rf "$out/root" "$out/capture-root"; mkdir -p "$out"

pack() { (cd "$1" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) | gzip -9 > "$2"; }
base_tree() {
    mkdir -p "$1"/{bin,sbin,proc,sys,dev,tmp,boot,lib}
    cp "$busybox" "$1/bin/busybox"
    install -m 755 "$here/guest/init" "$1/init"
}

base_tree "$out/capture-root"
pack "$out/capture-root" "$out/capture.cpio.gz"

r=$out/root
base_tree "$r"
gcc -m32 -static -O2 -Wall -Werror -o "$r/bin/workload" "$here/guest/workload.c"
gcc -m32 -static -O2 -Wall -Werror -o "$r/bin/pagemap" "$here/guest/pagemap.c"
gcc -m32 -static -O2 -Wall -Werror -o "$r/bin/kpageflags" "$here/guest/kpageflags.c"
cp /sbin/kexec "$r/sbin/kexec"                       # kexec-tools:i386
# Its interpreter and libraries, read from the ELF itself: ldd would have to run the i386 loader,
# which a host without 32-bit execution support cannot.
for lib in /lib/ld-linux.so.2 $(objdump -p /sbin/kexec | awk '/NEEDED/ { print "/lib/i386-linux-gnu/" $2 }'); do
    mkdir -p "$r$(dirname "$lib")"; cp -L "$lib" "$r$lib"
done
cp "$bzimage" "$r/boot/bzImage"
cp "$out/capture.cpio.gz" "$r/boot/capture.cpio.gz"
if [ -n "$module" ]; then cp "$module" "$r/lib/ksleuth_crash.ko"; fi   # the panic samples' test module
pack "$r" "$out/initramfs.cpio.gz"
ls -la "$out"/*.cpio.gz
