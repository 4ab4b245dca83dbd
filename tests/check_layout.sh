#!/bin/sh
# SPDX-License-Identifier: MIT
# The library's code layout (Makefile, tools/layout/): the PLT right before
# .text on a 64 KiB boundary, the ordering file current (every function it
# names exists in the unstripped library), and the functions a first apply
# runs packed together at the start of .text, so that a new process faults
# in one or two 64 KiB windows of library code for it (docs/performance.md).
set -eu
lib=$1        # the installed (stripped) library
unstripped=$2 # the same link with its symbol table
order=$3      # tools/layout/hot-functions.txt
status=0

section() { readelf -SW "$lib" | awk -v name="$1" '$2 == name {print $4, $6; exit}'; }
plt=$(section .plt)
text=$(section .text)
if [ -z "$plt" ] || [ -z "$text" ]; then
	echo "FAIL layout: no .plt or .text section"; exit 1
fi
plt_addr=$((0x${plt% *}))
plt_size=$((0x${plt#* }))
text_addr=$((0x${text% *}))
if [ $((plt_addr % 65536)) != 0 ]; then
	echo "FAIL layout: .plt at $(printf 0x%x $plt_addr), not on a 64 KiB boundary (tools/layout/plt-first.ld)"; status=1
fi
if [ "$text_addr" -lt "$plt_addr" ] || [ $((text_addr - plt_addr - plt_size)) -gt 64 ]; then
	echo "FAIL layout: .text does not follow .plt directly"; status=1
fi

# Every name in the ordering file is a function of this build: a stale file
# silently loses the layout (lld ignores names it does not find).
defined=$(mktemp)
trap 'rm -f "$defined" "$defined.addr"' EXIT
nm --defined-only "$unstripped" | awk '$2 ~ /^[tTwW]$/ {print $3}' | sort -u >"$defined"
missing=$(sort -u "$order" | comm -23 - "$defined" | wc -l)
if [ "$missing" != 0 ]; then
	echo "FAIL layout: $missing functions of $order are not in the library: run make hot-functions"
	sort -u "$order" | comm -23 - "$defined" | head -5
	status=1
fi

# The first 60 functions of the file (all on the port-rule apply path) lie
# within 128 KiB after the PLT: at most two fault-around windows.
nm --defined-only "$unstripped" | awk '$2 ~ /^[tTwW]$/ {print $3, $1}' | sort -k1,1 >"$defined.addr"
far=$(head -60 "$order" | sort | join - "$defined.addr" | while read -r _ address; do
	address=$((0x$address))
	if [ "$address" -lt "$plt_addr" ] || [ "$address" -ge $((plt_addr + 131072)) ]; then echo "$address"; fi
done | wc -l)
rm -f "$defined.addr"
if [ "$far" != 0 ]; then
	echo "FAIL layout: $far of the first 60 hot functions are more than 128 KiB after the PLT"; status=1
fi
[ $status = 0 ] && echo "ok   layout: .plt at $(printf 0x%x $plt_addr) before .text, ordering file current, hot functions within 128 KiB"
exit $status
