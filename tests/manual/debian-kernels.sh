#!/usr/bin/env bash
# ksleuth on Debian's own i386 kernels (686 and 686-pae, KASLR on, DWARF 5, 313 MB -dbg vmlinux).
# Not part of CI: it downloads ~1.6 GB and boots two QEMU guests (~5 min). Run as root:
#   tests/manual/debian-kernels.sh BUILD_DIR [WORKDIR]
# Uses the sample-dump recipe's guest and capture driver, then the same truth checks as CI.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); top=$(dirname "$(dirname "$here")")
build=$(realpath "$1"); work=${2:-/var/tmp/ksleuth-debian}
abi=${KSLEUTH_DEBIAN_ABI:-6.1.0-50}
mkdir -p "$work" && cd "$work"
for f in 686 686-pae; do
    [ -f "x/boot/vmlinuz-$abi-$f" ] || { apt-get download "linux-image-$abi-$f-unsigned:i386" "linux-image-$abi-$f-dbg:i386"; }
done
for d in *.deb; do dpkg-deb -x "$d" x; done
[ -f initrd/initramfs.cpio.gz ] || "$top/dumps/recipe/make-initramfs.sh" "x/boot/vmlinuz-$abi-686" initrd
for f in 686 686-pae; do
    mkdir -p "k-$f" && ln -sf "../x/boot/vmlinuz-$abi-$f" "k-$f/bzImage"
    [ -f "deb-$f/dump.kdump.gz" ] || python3 "$top/dumps/recipe/capture.py" --kernel-dir "k-$f" \
        --initrd initrd/initramfs.cpio.gz --mem 256 --formats kdump --out "deb-$f"
    ln -sf "$work/x/usr/lib/debug/boot/vmlinux-$abi-$f" "deb-$f/vmlinux"
    echo "$abi-$f" > "deb-$f/version"
    python3 "$top/tests/truth/check_sample.py" "$build/ksleuth" "deb-$f" "deb-$f/dump.kdump.gz" \
        --other-vmlinux "$top/dumps/np-96m/vmlinux"
    python3 "$top/tests/truth/check_layouts.py" "$build/ksleuth" "deb-$f/vmlinux" "deb-$f/dump.kdump.gz"
done
