#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turns traced instruction offsets into a symbol-ordering file for lld.

usage: order.py LIBRARY OFFSETS... > hot-functions.txt

LIBRARY is the unstripped library the offsets were traced in (its symbol
table names the local Swift, C and runtime functions); each OFFSETS file
lists one hexadecimal offset per line in execution order. Functions are
written in order of first execution, the first file's first.
"""
import bisect
import subprocess
import sys


def functions(library):
    out = subprocess.run(["nm", "-n", "-S", "--defined-only", library],
                         check=True, capture_output=True, text=True).stdout
    table = []
    for line in out.splitlines():
        fields = line.split(None, 3)
        if len(fields) == 4 and fields[2] in "tTwW":
            table.append((int(fields[0], 16), int(fields[1], 16), fields[3]))
    table.sort()
    return table


def main():
    table = functions(sys.argv[1])
    starts = [entry[0] for entry in table]
    order, seen, size, windows = [], set(), 0, set()
    for path in sys.argv[2:]:
        with open(path) as offsets:
            for line in offsets:
                offset = int(line, 16)
                windows.add(offset >> 16)
                i = bisect.bisect_right(starts, offset) - 1
                if i < 0:
                    continue
                start, length, name = table[i]
                if offset < start + max(length, 1) and name not in seen:
                    seen.add(name)
                    order.append(name)
                    size += length
    print("\n".join(order))
    print(f"order.py: {len(order)} functions, {size} bytes; the trace touched "
          f"{len(windows)} 64 KiB windows of code", file=sys.stderr)


main()
