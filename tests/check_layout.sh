#!/bin/sh
# SPDX-License-Identifier: MIT
# The library's code layout (Makefile, tools/layout/): the PLT right before
# .text on a 64 KiB boundary; and, when the ordering file was made with this
# toolchain (its names are the compiler's), the file current (every function
# it names exists in the unstripped library) and the functions a first apply
# runs packed at the start of .text, so that a new process faults in one or
# two 64 KiB windows of library code for it (docs/performance.md).
#
# usage: check_layout.sh LIBRARY UNSTRIPPED ORDER_FILE STAMP_FILE TOOLCHAIN
set -eu
export LC_ALL=C
lib=$1        # the installed (stripped) library
unstripped=$2 # the same link with its symbol table
order=$3      # tools/layout/hot-functions.txt
stamp=$4      # tools/layout/hot-functions.toolchain
toolchain=$5  # this build's "arch Swift version" line
status=0

# "ADDRESS SIZE" of a section (hexadecimal), from readelf's table.
section() {
	readelf -SW "$lib" | sed -n 's/^ *\[ *[0-9]*\] *//p' | awk -v name="$1" '$1 == name {print $3, $5; exit}'
}
plt=$(section .plt)
text=$(section .text)
if [ -z "$plt" ] || [ -z "$text" ]; then
	echo "FAIL layout: no .plt or .text section"
	exit 1
fi
plt_addr=$((0x${plt% *}))
plt_size=$((0x${plt#* }))
text_addr=$((0x${text% *}))
if [ $((plt_addr % 65536)) -ne 0 ]; then
	echo "FAIL layout: .plt at $(printf 0x%x "$plt_addr"), not on a 64 KiB boundary (tools/layout/plt-first.ld)"
	status=1
fi
if [ "$text_addr" -lt "$plt_addr" ] || [ $((text_addr - plt_addr - plt_size)) -gt 64 ]; then
	echo "FAIL layout: .text does not follow .plt directly"
	status=1
fi

made_with=$(cat "$stamp" 2>/dev/null || echo unknown)
if [ "$made_with" != "$toolchain" ]; then
	echo "skip layout: $order was made with \"$made_with\", this build uses \"$toolchain\": the function names may differ (run make hot-functions on x86_64)"
	[ $status -eq 0 ] && echo "ok   layout: .plt at $(printf 0x%x "$plt_addr") before .text"
	exit $status
fi

# Every name in the ordering file is a function of this build: a stale file
# silently loses the layout (lld ignores names it does not find).
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# "NAME ADDRESS" of every function, sorted by name (also used below).
nm --defined-only "$unstripped" | awk '$2 ~ /^[tTwW]$/ {print $3, $1}' | sort -k1,1 >"$work/addresses"
cut -d' ' -f1 "$work/addresses" | sort -u >"$work/defined"
sort -u "$order" | comm -23 - "$work/defined" >"$work/missing"
missing=$(wc -l <"$work/missing")
if [ "$missing" -ne 0 ]; then
	echo "FAIL layout: $missing functions of $order are not in the library: run make hot-functions"
	head -5 "$work/missing"
	status=1
fi

# The first 60 functions of the file (all on the port-rule apply path) lie
# within 128 KiB after the PLT: at most two fault-around windows.
far=$(head -60 "$order" | sort | join - "$work/addresses" | while read -r _ address; do
	address=$((0x$address))
	if [ "$address" -lt "$plt_addr" ] || [ "$address" -ge $((plt_addr + 131072)) ]; then echo "$address"; fi
done | wc -l)
if [ "$far" -ne 0 ]; then
	echo "FAIL layout: $far of the first 60 hot functions are more than 128 KiB after the PLT"
	status=1
fi
[ $status -eq 0 ] && echo "ok   layout: .plt at $(printf 0x%x "$plt_addr") before .text, ordering file current, hot functions within 128 KiB"
exit $status
