#!/usr/bin/env bash
# Regenerate the committed sample dumps from nothing, on a fresh Debian 12 (amd64) machine.
#   dumps/recipe/make-all.sh [WORKDIR] [KVER]   (default WORKDIR: /var/tmp/ksleuth-dumps)
#     KVER = 6.1 (default): the 6.1 samples (np-*, pae-*, sparse-*), six kernel builds, about an
#            hour and a half on 2 cores; 5.10: the 5.10 samples (v510-*), one kernel from Debian 11's
#            linux-source-5.10, ~15 min; all: both.
# Writes dumps/<sample>/ (vmlinux, config, version, captures, truth/). CI never runs this.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
dumps=$(dirname "$here")
work=${1:-/var/tmp/ksleuth-dumps}
kver=${2:-6.1}
case $kver in 6.1|5.10|all) ;; *) echo "KVER is 6.1, 5.10 or all" >&2; exit 1 ;; esac
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

# install NAME KERNEL: copy the capture of sample NAME and its kernel (a build-kernel.sh output
# directory under WORKDIR: FLAVOUR for 6.1, v5.10-FLAVOUR for 5.10) into dumps/NAME.
install_sample() {
    local name=$1 kernel=$2
    rm -rf "${dumps:?}/$name"
    mkdir -p "$dumps/$name"
    cp -r "$work/samples/$name/." "$dumps/$name/"
    cp "$work/$kernel/vmlinux.slim" "$dumps/$name/vmlinux"
    cp "$work/$kernel/.config" "$dumps/$name/config"
    cp "$work/$kernel/version" "$dumps/$name/version"
}

# sample NAME KERNEL MEM_MB FORMATS [extra capture.py args...]
sample() {
    local name=$1 kernel=$2 mem=$3 formats=$4; shift 4
    echo "== $name: $kernel kernel, $mem MB, $formats"
    python3 "$here/capture.py" --kernel-dir "$work/$kernel" --initrd "$work/$kernel-initrd/initramfs.cpio.gz" \
        --mem "$mem" --formats "$formats" --out "$work/samples/$name" "$@"
    install_sample "$name" "$kernel"
}

# kernels KVER FLAVOUR...: build each kernel, its slim vmlinux and its guest initramfs.
kernels() {
    local v=$1 flavour dir ko; shift
    for flavour in "$@"; do
        dir=$("$here/build-kernel.sh" "$flavour" "$work" "$v" | tail -1)
        slim_vmlinux "$dir/vmlinux" "$dir/vmlinux.slim"
        ko=; [ -f "$dir/ksleuth_crash.ko" ] && ko=$dir/ksleuth_crash.ko
        "$here/make-initramfs.sh" "$dir/bzImage" "$dir-initrd" $ko
    done
}

install_tools
if [ "$kver" = 6.1 ] || [ "$kver" = all ]; then
    make_61_samples=1
    kernels 6.1 nonpae pae sparse pae-sparse nonpae-mod pae-mod
else
    make_61_samples=0
fi

if [ $make_61_samples = 1 ]; then
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
fi

# The 5.10 diff pair (issue 14), from ONE guest of Debian 11's 5.10 with modules: state A is
# v510-np-256m (QEMU's ELF and -z captures, then crash 8.0.2's view of the ELF one); the host then
# says PHASE, the guest's fragmenter unmaps all its pages and the heap workload is killed and reaped
# (truth/phase says which and how many), and state B is v510-np-256m-after: QEMU's -z capture, then
# the test module's NULL dereference (panic_on_oops) sends it into kexec's capture kernel (vmcore.gz).
if [ "$kver" = 5.10 ] || [ "$kver" = all ]; then
    kernels 5.10 nonpae-mod
    echo "== v510-np-256m + v510-np-256m-after: 5.10 nonpae-mod kernel, 256 MB, elf,kdump | kdump,vmcore"
    python3 "$here/capture.py" --kernel-dir "$work/v5.10-nonpae-mod" \
        --initrd "$work/v5.10-nonpae-mod-initrd/initramfs.cpio.gz" --mem 256 --formats elf,kdump \
        --out "$work/samples/v510-np-256m" --phase-out "$work/samples/v510-np-256m-after" --phase-formats kdump,vmcore \
        --append "crashkernel=64M panic_on_oops=1 ksleuth.crash=null"
    for name in v510-np-256m v510-np-256m-after; do
        install_sample "$name" v5.10-nonpae-mod
        cp "$work/v5.10-nonpae-mod/ksleuth_crash.ko" "$dumps/$name/"
        objdump -d "$work/v5.10-nonpae-mod/ksleuth_crash.ko" > "$dumps/$name/truth/objdump-module.txt"
    done
    ln -sfn ../v510-np-256m/vmlinux "$dumps/v510-np-256m-after/vmlinux"
    "$here/crash-truth.sh" "$dumps/v510-np-256m" dump.elf.gz
    "$here/crash-truth-panic.sh" "$dumps/v510-np-256m-after"
fi
du -sh "$dumps"/*/
