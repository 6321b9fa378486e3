#!/usr/bin/env python3
"""Unpack the gzip'd captures of dumps/<sample>/ into BUILD/dumps/<sample>/ (once; kept while
newer than the .gz). ELF and raw captures are stored gzip'd in git; ksleuth reads them unpacked."""
import gzip
import os
import shutil
import sys

src, dst = sys.argv[1], sys.argv[2]
for sample in sorted(os.listdir(src)):
    sdir = os.path.join(src, sample)
    if not os.path.isfile(os.path.join(sdir, "version")):
        continue
    for name in os.listdir(sdir):
        if not name.endswith(".gz"):
            continue
        out = os.path.join(dst, sample, name[:-3])
        gz = os.path.join(sdir, name)
        if os.path.exists(out) and os.path.getmtime(out) >= os.path.getmtime(gz):
            continue
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with gzip.open(gz, "rb") as i, open(out + ".part", "wb") as o:
            shutil.copyfileobj(i, o, 1 << 20)
        os.replace(out + ".part", out)
        print(f"unpacked {sample}/{name}")
