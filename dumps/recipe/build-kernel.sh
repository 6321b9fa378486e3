#!/usr/bin/env bash
# Build one i386 sample kernel from Debian's kernel source.
#   build-kernel.sh FLAVOUR WORKDIR [KVER]
#     FLAVOUR = nonpae | pae | sparse | pae-sparse, or any of them + "-mod" (loadable modules and
#               ksleuth_crash.ko)
#     KVER    = 6.1 (default: Debian 12's linux-source-6.1) | 5.10 (Debian 11's linux-source-5.10)
# Leaves WORKDIR/FLAVOUR/ (6.1) or WORKDIR/v5.10-FLAVOUR/ (5.10) with bzImage, vmlinux, .config,
# version (and ksleuth_crash.ko for -mod); prints that directory last. ~5 min on 2 cores.
set -euo pipefail
flavour=$1; work=$(realpath -m "$2"); kver=${3:-6.1}
here=$(cd "$(dirname "$0")" && pwd)
case $kver in
    6.1)  src=$work/linux-src; out=$work/$flavour ;;
    5.10) src=$work/linux-src-5.10; out=$work/v5.10-$flavour ;;
    *)    echo "unknown kernel version $kver (6.1 | 5.10)" >&2; exit 1 ;;
esac

# Debian 11 (bullseye) is on the same archive as Debian 12, but the host's apt lists only bookworm:
# a bullseye source list of the recipe's own (its own lists and cache dirs) fetches the 5.10 source
# without touching the host's apt configuration.
fetch_source_deb() {
    local apt_opts=()
    if [ "$kver" = 5.10 ]; then
        local dir=$work/apt-bullseye
        local mirror
        mirror=$(sed -n 's/^URIs: *\(http[^ ]*\/debian\)$/\1/p' /etc/apt/sources.list.d/debian.sources 2>/dev/null | head -1)
        mkdir -p "$dir/lists/partial" "$dir/cache/archives/partial"
        echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror:-http://deb.debian.org/debian} bullseye main" \
            > "$dir/sources.list"
        apt_opts=(-o "Dir::Etc::SourceList=$dir/sources.list" -o Dir::Etc::SourceParts=/dev/null
                  -o "Dir::State::Lists=$dir/lists" -o "Dir::Cache=$dir/cache" -o APT::Architectures=amd64)
        apt-get "${apt_opts[@]}" update -qq
    fi
    (cd "$work/deb-$kver" && apt-get "${apt_opts[@]}" download "linux-source-$kver")
}

if [ ! -d "$src" ]; then
    mkdir -p "$work/deb-$kver"
    fetch_source_deb
    dpkg-deb -x "$work/deb-$kver"/linux-source-"$kver"_*.deb "$work/deb-$kver/x"
    mkdir -p "$src"
    tar -xf "$work/deb-$kver/x/usr/src/linux-source-$kver.tar.xz" -C "$src" --strip-components=1
fi

# A "-mod" flavour is its base flavour plus modules.config, released as <base release>-mod.
base=${flavour%-mod}
fragments=("$here/config/common.config" "$here/config/$base.config")
if [ "$base" != "$flavour" ]; then
    release=$(sed -n 's/^CONFIG_LOCALVERSION="\(.*\)"/\1/p' "$here/config/$base.config" "$here/config/common.config" | head -1)
    printf 'CONFIG_LOCALVERSION="%s-mod"\n' "$release" > "$out.localversion.config"
    fragments+=("$here/config/modules.config" "$out.localversion.config")
fi
[ "$kver" = 6.1 ] || fragments+=("$here/config/v$kver.config")

# A reproducible build. Two things in a vmlinux depend on when it was built: the banner
# (linux_banner, init_uts_ns: build number from $out/.version, time from `date` when init/ is
# entered) and the mtime of the built-in initramfs (usr/initramfs_data.cpio: gen_init_cpio's
# time(NULL)). Both are pinned here to those of the committed vmlinux of each flavour, without
# KBUILD_BUILD_TIMESTAMP/VERSION: those would also go into init/version.o's placeholder banner
# ("# SMP "), which the committed kernels have. With the same source, compiler, user (root), host
# (vm) and work directory (DWARF records the build paths: keep the default WORKDIR), a rebuild has
# the committed file's GNU build-id (`readelf -n vmlinux`). The values were read from each committed
# vmlinux (its banner, its initramfs's cpio header). Checked for pae-mod only: this script, run
# over a tree built before, relinked it with dumps/pae-panic/vmlinux's build-id
# 4f4f9089d2cdc5a090a706bc435d77435d75a1c9 and the same ksleuth_crash.ko, byte for byte.
#   flavour     build number | banner time (epoch) | initramfs mtime (epoch)
case $kver-$flavour in
    6.1-nonpae)     stamp="1 1795296030 1795295807" ;;   # Sat Nov 21 21:20:30 UTC 2026
    6.1-pae)        stamp="2 1795296375 1795296051" ;;   # Sat Nov 21 21:26:15 UTC 2026
    6.1-sparse)     stamp="1 1795301962 1795301519" ;;   # Sat Nov 21 22:59:22 UTC 2026
    6.1-pae-sparse) stamp="1 1795303630 1795303162" ;;   # Sat Nov 21 23:27:10 UTC 2026
    6.1-nonpae-mod) stamp="1 1796480103 1796479607" ;;   # Sat Dec  5 14:15:03 UTC 2026
    6.1-pae-mod)    stamp="1 1796481471 1796480722" ;;   # Sat Dec  5 14:37:51 UTC 2026
    *)          stamp="1 1798761600 1798761600" ;;   # Fri Jan  1 00:00:00 UTC 2027
esac
read -r build_nr banner_time cpio_time <<<"$stamp"
unset KBUILD_BUILD_VERSION KBUILD_BUILD_TIMESTAMP KBUILD_BUILD_VERSION_TIMESTAMP
export KBUILD_BUILD_USER=root KBUILD_BUILD_HOST=vm
pinned_date=$work/pinned-date.$(basename "$out")
mkdir -p "$pinned_date"
printf '#!/bin/sh\nexec /bin/date -d @%s "$@"\n' "$banner_time" > "$pinned_date/date"
chmod +x "$pinned_date/date"

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
[ "$kver" = 6.1 ] || has UNWINDER_FRAME_POINTER || { echo "config lost CONFIG_UNWINDER_FRAME_POINTER" >&2; exit 1; }
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

# The built-in initramfs first, with its pinned mtime (gen_initramfs.sh reads KBUILD_BUILD_TIMESTAMP;
# the bzImage build below keeps this file, its command line being the same); then the kernel, its
# banner numbered from .version and dated by the pinned `date`.
rm -f "$out/usr/initramfs_data.cpio"
KBUILD_BUILD_TIMESTAMP=@$cpio_time make -C "$src" O="$out" ARCH=i386 usr/ >"$out/build.log" 2>&1
echo $((build_nr - 1)) > "$out/.version"
PATH=$pinned_date:$PATH make -C "$src" O="$out" ARCH=i386 -j"$(nproc)" bzImage >>"$out/build.log" 2>&1
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
echo "$out"
