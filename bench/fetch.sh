#!/usr/bin/env bash
# Fetch what the benchmarks compare against, outside the repository (never committed):
#   bench/fetch.sh [DIR]        (default DIR: /var/tmp/ksleuth-bench; bench/run.sh --fetch calls it)
# - crash 8.0.2, Debian's i386 build (`apt-get download crash:i386`, unpacked with dpkg-deb; the
#   package itself is not installed: it conflicts with gcc-multilib), plus its :i386 libraries;
# - Debian's 6.1 686-pae kernel: `linux-image-6.1.0-57-686-pae` (vmlinuz, to boot a guest:
#   bench/make-debian-dump.sh) and its `-dbg` vmlinux (317 MB), reused from /var/tmp/deb when an
#   earlier session unpacked it there;
# - DIR/vmlinux-686-pae.crash: that vmlinux with sys_open/sys_fork/sys_read aliased to the
#   __ia32_sys_* functions, without which crash 8.0.2 stops on 6.1 (docs/crash-comparison.md).
# Prints the lines to put in the environment for bench/run.sh.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dir=$(realpath -m "${1:-/var/tmp/ksleuth-bench}")
kver=6.1.0-57-686-pae
mkdir -p "$dir"
cd "$dir"

dpkg --print-foreign-architectures | grep -q i386 || dpkg --add-architecture i386
if [ ! -x crash/usr/bin/crash ] || [ ! -f "linux-image/boot/vmlinuz-$kver" ]; then apt-get update -qq || true; fi
if [ ! -x crash/usr/bin/crash ]; then
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libncursesw6:i386 libtinfo6:i386 liblzo2-2:i386 \
        libsnappy1v5:i386 libzstd1:i386 zlib1g:i386 >/dev/null
    apt-get download crash:i386
    dpkg-deb -x crash_*_i386.deb crash
fi
if [ ! -f "linux-image/boot/vmlinuz-$kver" ]; then
    apt-get download "linux-image-$kver:i386"
    dpkg-deb -x "linux-image-${kver}_"*_i386.deb linux-image
fi
dbg=/var/tmp/deb/usr/lib/debug/boot/vmlinux-$kver
if [ ! -f "$dbg" ]; then
    dbg=$dir/dbg/usr/lib/debug/boot/vmlinux-$kver
    if [ ! -f "$dbg" ]; then
        apt-get download "linux-image-$kver-dbg:i386"
        dpkg-deb -x "linux-image-$kver-dbg_"*_i386.deb dbg
        rm -f "linux-image-$kver-dbg_"*_i386.deb      # 760 MB, unpacked now
    fi
fi
ln -sf "$dbg" vmlinux-686-pae

# The aliases crash 8.0.2 needs on 6.1 (docs/crash-comparison.md).
[ -f vmlinux-686-pae.crash ] || "$here/../dumps/recipe/crash-alias.sh" "$dbg" vmlinux-686-pae.crash

# Does this machine run i386 binaries (IA32 emulation in the host kernel)? If not, qemu-user.
crash=$dir/crash/usr/bin/crash
if "$crash" --version >/dev/null 2>&1; then
    how="native i386"
else
    command -v qemu-i386 >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user >/dev/null
    crash="qemu-i386 -L / $crash"
    how="emulated by qemu-i386: its ratios measure the emulator too"
fi
echo "# crash 8.0.2 runs $how"
echo "export KSLEUTH_BENCH_CRASH=\"$crash\""
echo "export KSLEUTH_BENCH_FETCHED=$dir"
