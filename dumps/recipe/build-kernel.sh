#!/usr/bin/env bash
# Build one i386 sample kernel from Debian's linux-source-6.1.
#   build-kernel.sh FLAVOUR WORKDIR      (FLAVOUR = nonpae | pae | sparse | pae-sparse, or any of
#                                         them + "-mod": with loadable modules and ksleuth_crash.ko)
# Leaves WORKDIR/FLAVOUR/{bzImage,vmlinux,.config,version} (and ksleuth_crash.ko for -mod).
# Takes ~5 min on 2 cores.
set -euo pipefail
flavour=$1; work=$(realpath -m "$2")
here=$(cd "$(dirname "$0")" && pwd)
src=$work/linux-src
out=$work/$flavour

if [ ! -d "$src" ]; then
    mkdir -p "$work/deb"
    (cd "$work/deb" && apt-get download linux-source-6.1)
    dpkg-deb -x "$work"/deb/linux-source-6.1_*.deb "$work/deb/x"
    mkdir -p "$src"
    tar -xf "$work"/deb/x/usr/src/linux-source-6.1.tar.xz -C "$src" --strip-components=1
fi

# A "-mod" flavour is its base flavour plus modules.config, released as <base release>-mod.
base=${flavour%-mod}
fragments=("$here/config/common.config" "$here/config/$base.config")
if [ "$base" != "$flavour" ]; then
    release=$(sed -n 's/^CONFIG_LOCALVERSION="\(.*\)"/\1/p' "$here/config/$base.config" "$here/config/common.config" | head -1)
    printf 'CONFIG_LOCALVERSION="%s-mod"\n' "$release" > "$work/$flavour.localversion.config"
    fragments+=("$here/config/modules.config" "$work/$flavour.localversion.config")
fi

mkdir -p "$out"
make -C "$src" O="$out" ARCH=i386 tinyconfig >/dev/null
(cd "$out" && KCONFIG_CONFIG=.config "$src/scripts/kconfig/merge_config.sh" -m -O "$out" .config \
    "${fragments[@]}" >/dev/null)
make -C "$src" O="$out" ARCH=i386 olddefconfig >/dev/null

# merge_config silently drops options whose dependencies fail; insist on the ones we rely on.
for want in DEBUG_INFO KALLSYMS PROC_PAGE_MONITOR SLUB SLUB_DEBUG SMP SERIAL_8250_CONSOLE \
            BLK_DEV_INITRD TMPFS FW_CFG_SYSFS CRASH_DUMP KEXEC COMPACTION POSIX_TIMERS HIGHMEM; do
    grep -q "^CONFIG_$want=y" "$out/.config" || { echo "config lost CONFIG_$want" >&2; exit 1; }
done
has() { grep -q "^CONFIG_$1=y" "$out/.config"; }
[ "$base" = "$flavour" ] || has MODULES || { echo "config lost CONFIG_MODULES" >&2; exit 1; }
case $base in
    pae)        has X86_PAE && has RANDOMIZE_BASE ;;
    pae-sparse) has X86_PAE && ! has RANDOMIZE_BASE ;;
    *)          ! has X86_PAE ;;
esac
case $base in
    *sparse) has SPARSEMEM_STATIC || { echo "config lost SPARSEMEM_STATIC" >&2; exit 1; } ;;
    *)       has FLATMEM || { echo "config lost FLATMEM" >&2; exit 1; } ;;
esac

make -C "$src" O="$out" ARCH=i386 -j"$(nproc)" bzImage >"$out/build.log" 2>&1
cp "$out/arch/x86/boot/bzImage" "$out/bzImage"
if has MODULES; then
    # The test module, built out of tree against this kernel (its objects stay in the work dir);
    # `make modules` first leaves the Module.symvers and module linker script it needs.
    make -C "$src" O="$out" ARCH=i386 -j"$(nproc)" modules >>"$out/build.log" 2>&1
    rm -rf "$out/ksleuth_crash" && mkdir -p "$out/ksleuth_crash"
    cp "$here/guest/ksleuth_crash.c" "$here/guest/Kbuild" "$out/ksleuth_crash/"
    make -C "$src" O="$out" ARCH=i386 M="$out/ksleuth_crash" modules >>"$out/build.log" 2>&1
    cp "$out/ksleuth_crash/ksleuth_crash.ko" "$out/ksleuth_crash.ko"
fi
cat "$out/include/config/kernel.release" > "$out/version"
echo "built $flavour: $(cat "$out/version")"
