#!/bin/sh
# SPDX-License-Identifier: MIT
# The shared library must export only netfence_* functions (version node
# NETFENCE_0), carry the soname libnetfence.so.0, and need no Swift library.
set -eu
lib=$1
status=0
exported=$(readelf --dyn-syms -W "$lib" | awk '$7 != "UND" && ($5 == "GLOBAL" || $5 == "WEAK") {print $8}' | sed 's/@.*//' | sort -u)
stray=$(printf '%s\n' "$exported" | grep -v -e '^netfence_' -e '^NETFENCE_0$' -e '^$' || true)
if [ -n "$stray" ]; then
	echo "FAIL exports: symbols other than netfence_*:"; printf '%s\n' "$stray" | head -20; status=1
fi
count=$(printf '%s\n' "$exported" | grep -c '^netfence_' || true)
header_count=$(grep -c '^NETFENCE_EXTERN' "$(dirname "$0")/../include/netfence.h")
if [ "$count" != "$header_count" ]; then
	echo "FAIL exports: $count netfence_* symbols exported, the header declares $header_count"; status=1
fi
if ! readelf -d "$lib" | grep -q 'Library soname: \[libnetfence.so.0\]'; then
	echo "FAIL exports: soname is not libnetfence.so.0"; status=1
fi
if readelf -d "$lib" | grep -E 'NEEDED' | grep -qi swift; then
	echo "FAIL exports: the library needs a Swift runtime library"; status=1
fi
if readelf -d "$lib" | grep -qE 'RUNPATH|RPATH'; then
	echo "FAIL exports: the library has a RUNPATH/RPATH"; status=1
fi
[ $status = 0 ] && echo "ok   exports: $count netfence_* symbols, soname libnetfence.so.0, no Swift runtime dependency"
exit $status
