#!/usr/bin/env bash
# Regenerate every committed sample dump from nothing, on a fresh Debian 12 (amd64) machine.
#   dumps/recipe/make-all.sh [WORKDIR]        (default WORKDIR: /var/tmp/ksleuth-dumps)
# About an hour and a half on 2 cores: six kernel builds, then one QEMU (TCG) boot per sample.
# Writes dumps/<sample>/ (vmlinux, config, version, captures, truth/). CI never runs this.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dumps=$(dirname "$here")
work=${1:-/var/tmp/ksleuth-dumps}
mkdir -p "$work"

install_tools() {
    dpkg --print-foreign-architectures | grep -q i386 || dpkg --add-architecture i386
    apt-get update -qq || true
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bc bison flex libssl-dev dwarves kmod cpio xz-utils \
        python3 gcc-multilib qemu-system-x86 busybox-static:i386 kexec-tools:i386 dwz binutils file >/dev/null
}

# The vmlinux we commit: emit-relocs sections dropped (their values are already applied in a linked
# kernel), duplicate DWARF types folded by dwz, debug sections zlib-compressed.
slim_vmlinux() {
    objcopy --remove-section='.rel.debug_*' "$1" "$2.tmp"
    dwz -L 100000000 "$2.tmp" -o "$2.dwz"
    objcopy --compress-debug-sections=zlib "$2.dwz" "$2"
    rm -f "$2.tmp" "$2.dwz"
}

# sample NAME FLAVOUR MEM_MB FORMATS [extra capture.py args...]
sample() {
    local name=$1 flavour=$2 mem=$3 formats=$4; shift 4
    local out=$work/samples/$name
    echo "== $name: $flavour kernel, $mem MB, $formats"
    python3 "$here/capture.py" --kernel-dir "$work/$flavour" --initrd "$work/$flavour-initrd/initramfs.cpio.gz" \
        --mem "$mem" --formats "$formats" --out "$out" "$@"
    rm -rf "${dumps:?}/$name"
    mkdir -p "$dumps/$name"
    cp -r "$out/." "$dumps/$name/"
    cp "$work/$flavour/vmlinux.slim" "$dumps/$name/vmlinux"
    cp "$work/$flavour/.config" "$dumps/$name/config"
    cp "$work/$flavour/version" "$dumps/$name/version"
}

install_tools
for flavour in nonpae pae sparse pae-sparse nonpae-mod pae-mod; do
    "$here/build-kernel.sh" "$flavour" "$work"
    slim_vmlinux "$work/$flavour/vmlinux" "$work/$flavour/vmlinux.slim"
    ko=; [ -f "$work/$flavour/ksleuth_crash.ko" ] && ko=$work/$flavour/ksleuth_crash.ko
    "$here/make-initramfs.sh" "$work/$flavour/bzImage" "$work/$flavour-initrd" $ko
done

sample np-96m nonpae 96 elf,kdump,raw,vmcore --append "crashkernel=32M"
"$here/makedumpfile.sh" "$dumps/np-96m"                     # makedumpfile -c / -l of its vmcore
"$here/crash-truth.sh" "$dumps/np-96m" dump.elf.gz           # crash 8.0.2's view, where it runs
"$here/crash-truth.sh" "$dumps/np-96m" vmcore.gz
sample np-1200m nonpae 1200 kdump
sample pae-256m pae 256 kdump,vmcore --append "crashkernel=64M"
# Physical memory above 4 GB needs qemu-system-x86_64 (the i386 binary hangs the guest there).
sample pae-5g pae 5120 kdump --qemu qemu-system-x86_64 --cpu qemu64,+nx
# SPARSEMEM, with two holes the kernel is told about through e820: 128-192 MB is a whole 64 MB
# section with no memory (no mem_map at all), 288-304 MB lies inside section 4 (struct pages exist,
# PG_reserved). An ELF capture, so that crash 8.0.2 reads the same file.
sample sparse-512m sparse 512 elf --append 'memmap=64M$128M memmap=16M$288M'
"$here/crash-truth.sh" "$dumps/sparse-512m" dump.elf.gz
# PAE SPARSEMEM above 4 GB: 512 MB sections, QEMU's PCI hole (3-4 GB) leaves sections 6 and 7 without
# memory. crash reads the ELF capture; it is 5 GB, so only the kdump one (same stop) is committed.
sample pae-sparse-5g pae-sparse 5120 elf,kdump --qemu qemu-system-x86_64 --cpu qemu64,+nx
"$here/crash-truth.sh" "$dumps/pae-sparse-5g" dump.elf.gz
rm "$dumps/pae-sparse-5g/dump.elf.gz"
# Panic samples: the kernel crashes inside the test module (guest/ksleuth_crash.c) once the host
# has its QEMU truth, panic_on_oops sends the oops into kexec's capture kernel, which saves
# /proc/vmcore. np-oops: a NULL dereference three module frames deep; pae-panic: panic() from a
# timer callback, in softirq context on the soft IRQ stack.
panic_sample() {
    sample "$1" "$2" "$3" vmcore --append "crashkernel=$4 panic_on_oops=1 ksleuth.crash=$5"
    cp "$work/$2/ksleuth_crash.ko" "$dumps/$1/"
    objdump -d "$work/$2/ksleuth_crash.ko" > "$dumps/$1/truth/objdump-module.txt"
    "$here/crash-truth-panic.sh" "$dumps/$1"                   # crash 8.0.2's sys, bt, ps, mod, dis
}
panic_sample np-oops nonpae-mod 128 32M null
panic_sample pae-panic pae-mod 256 64M timer
# The same timer panic without kexec (panic=0): the machine hangs in panic() and QEMU captures it
# there (registers of the hung CPUs, dump-guest-memory -z). Same kernel and module as pae-panic
# (build-kernel.sh pins the build, so the build-id is the same): its vmlinux is a link to pae-panic's.
sample pae-panic-hang pae-mod 256 kdump --hang --append "panic=0 ksleuth.crash=timer"
ln -sfn ../pae-panic/vmlinux "$dumps/pae-panic-hang/vmlinux"
cp "$work/pae-mod/ksleuth_crash.ko" "$dumps/pae-panic-hang/"
objdump -d "$work/pae-mod/ksleuth_crash.ko" > "$dumps/pae-panic-hang/truth/objdump-module.txt"
du -sh "$dumps"/*/
