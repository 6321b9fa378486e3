#!/usr/bin/env bash
# Filter a sample's kdump vmcore with Debian's i386 makedumpfile (dump level 31: zero, cache, user
# and free pages left out) into kdump-compressed files: zlib (-c) and lzo (-l). These are the 32-bit
# header layout QEMU never writes, with pages excluded by dump level. (Debian's 1.7.2 i386 build has
# no snappy or zstd; tests/unit/test_kdump_codecs.c covers those codecs.)
#   makedumpfile.sh SAMPLE_DIR        (writes SAMPLE_DIR/vmcore-d31.zlib.kdump and .lzo.kdump)
set -euo pipefail
sample=$(realpath "$1")
work=${KSLEUTH_MDF_WORK:-/var/tmp/ksleuth-makedumpfile}
mkdir -p "$work"
cd "$work"
if [ ! -x x/usr/bin/makedumpfile ]; then
    # Its i386 libraries would conflict with the host's if installed: unpack them privately.
    for p in makedumpfile libdw1 libelf1 zlib1g libbz2-1.0 liblzma5 libzstd1 liblzo2-2; do apt-get download "$p:i386"; done
    for d in ./*_i386.deb; do dpkg-deb -x "$d" x; done
fi
libs=$(find "$work/x" -name '*.so*' -printf '%h\n' | sort -u | tr '\n' ':')
gunzip -c "$sample/vmcore.gz" > vmcore
for codec in c:zlib l:lzo; do
    out=$sample/vmcore-d31.${codec#*:}.kdump
    rm -f "$out"
    LD_LIBRARY_PATH=$libs x/usr/bin/makedumpfile "-${codec%%:*}" -d 31 vmcore "$out"
    chmod 644 "$out"
done
rm -f vmcore
