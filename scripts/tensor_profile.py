#!/usr/bin/env python3
"""Names the allocation stacks of a HONE_TENSOR_PROFILE report (see src/hone/tensor/allocator_profile.h).

    HONE_TENSOR_PROFILE=1 build/src/hone bench --shape tiny --mode lora 2> profile.txt
    scripts/tensor_profile.py profile.txt            # one line per site: MiB, tensors, calling functions

Frames are resolved with addr2line (binutils); allocator and standard-library frames are left out.
"""
import re
import signal
import subprocess
import sys
from collections import defaultdict

SKIP = ("hone::allocate_tensor_bytes", "hone::Storage::Storage", "hone::Tensor::empty", "hone::Tensor::zeros",
        "hone::Tensor::full", "hone::{anon}::make_impl", "hone::detail::", "std::", "__gnu_cxx", "void std::", "??")


def short_name(name):
    """Function name without its parameter list (addr2line -C prints the whole signature)."""
    return re.sub(r"\(.*", "", name.replace("(anonymous namespace)", "{anon}"))


def main(path, depth=5):
    sites = []
    for line in open(path):
        if line.startswith("HONE_TENSOR_PROFILE peak"):
            print(line.rstrip())
        m = re.match(r"HONE_TENSOR_PROFILE site ([\d.]+) MiB (\d+) tensors:(.*)", line)
        if m:
            frames = [f.rsplit("+", 1) for f in m.group(3).split()]
            sites.append((float(m.group(1)), int(m.group(2)), frames))
    by_module = defaultdict(set)
    for _, _, frames in sites:
        for module, offset in frames:
            by_module[module].add(offset)
    names = {}
    for module, offsets in by_module.items():
        offsets = sorted(offsets)
        out = subprocess.run(["addr2line", "-f", "-C", "-e", module] + offsets, capture_output=True, text=True).stdout
        lines = out.splitlines()
        for i, offset in enumerate(offsets):
            names[(module, offset)] = short_name(lines[2 * i]) if 2 * i < len(lines) else "??"
    for mib, count, frames in sites:
        fns = [names[(m, o)] for m, o in frames]
        fns = [f for f in fns if not f.startswith(SKIP)]
        print(f"{mib:9.2f} MiB {count:5d}  " + " < ".join(fns[:depth]))


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # quiet under `| head`
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 5)
