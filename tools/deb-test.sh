#!/bin/sh
# SPDX-License-Identifier: MIT
# Checks the Debian packages that `make deb` built, without installing them:
#   sh tools/deb-test.sh DIR        (DIR holds the three .deb files)
# The packages are unpacked with dpkg-deb -x into a temporary root. The
# README's C quick start is built against that root with pkg-config and run,
# then made to show a denied bind; the unpacked netfence tool runs `status`.
# The control data is checked too: Depends computed by dh_shlibdeps, the
# symbols file against the header and the library, each file in its package,
# and lintian (an E: line fails, warnings are printed).
# One "ok" line per check; the first failure prints "FAIL deb: ..." and
# exits 1. Exits 77 (skipped, as in tests/run.sh) when everything ran passed
# but the kernel could not show a denial (Landlock without TCP rules).
# CC names the C compiler (default cc).
set -u

[ $# = 1 ] && [ -d "$1" ] || { echo "usage: sh tools/deb-test.sh DIR (the directory with the .deb files)" >&2; exit 2; }
DIR=$(cd "$1" && pwd)
cd "$(dirname "$0")/.."
CC=${CC:-cc}
SKIP=77
skip_reason=""

work=$(mktemp -d "${TMPDIR:-/tmp}/netfence-deb-test.XXXXXX") || exit 1
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM
root=$work/root
mkdir "$root"

fail() {
	echo "FAIL deb: $*"
	exit 1
}

# The one .deb of package $1 in DIR.
deb_of() {
	set -- "$DIR/$1"_*.deb
	[ $# = 1 ] && [ -f "$1" ] || return 1
	echo "$1"
}

# --- the three packages, one version, this machine's architecture ---------
lib_deb=$(deb_of libnetfence0) || fail "no single libnetfence0_*.deb in $DIR"
dev_deb=$(deb_of libnetfence-dev) || fail "no single libnetfence-dev_*.deb in $DIR"
tool_deb=$(deb_of netfence) || fail "no single netfence_*.deb in $DIR"
version=$(dpkg-deb -f "$lib_deb" Version)
upstream=${version%%-*}
arch=$(dpkg --print-architecture)
for deb in "$lib_deb" "$dev_deb" "$tool_deb"; do
	[ "$(dpkg-deb -f "$deb" Version)" = "$version" ] || fail "$(basename "$deb") is not version $version"
	[ "$(dpkg-deb -f "$deb" Architecture)" = "$arch" ] ||
		fail "$(basename "$deb") is for $(dpkg-deb -f "$deb" Architecture), this machine is $arch: it cannot be run here"
done
header_version=$(sed -n 's/^#define NETFENCE_VERSION_\(MAJOR\|MINOR\|PATCH\) \([0-9]*\).*/\2/p' include/netfence.h | paste -sd.)
[ "$upstream" = "$header_version" ] || fail "the packages are version $version, include/netfence.h says $header_version (debian/changelog?)"
echo "ok   libnetfence0, libnetfence-dev and netfence $version for $arch"

# --- Depends, as computed by dh_shlibdeps ---------------------------------
lib_depends=$(dpkg-deb -f "$lib_deb" Depends)
case $lib_depends in
*libcap2*) ;;
*) fail "libnetfence0 Depends has no libcap2: $lib_depends" ;;
esac
case $lib_depends in
*libseccomp2*) ;;
*) fail "libnetfence0 Depends has no libseccomp2: $lib_depends" ;;
esac
echo "ok   libnetfence0 Depends: $lib_depends"
dev_depends=$(dpkg-deb -f "$dev_deb" Depends)
case ", $dev_depends," in
*", libnetfence0 (= $version),"*) echo "ok   libnetfence-dev Depends: $dev_depends" ;;
*) fail "libnetfence-dev Depends lacks libnetfence0 (= $version): $dev_depends" ;;
esac
tool_depends=$(dpkg-deb -f "$tool_deb" Depends)
case $tool_depends in
*lib*) fail "netfence, a static executable, depends on a library: $tool_depends" ;;
esac
echo "ok   netfence Depends on no library (static executable)${tool_depends:+: $tool_depends}"

# --- each file in its package, none in two --------------------------------
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
libdir=usr/lib/$multiarch
# Prints the files and links of a .deb, one path a line, without "./".
contents() {
	dpkg-deb --fsys-tarfile "$1" | tar -t | sed -n 's|^\./||; /[^/]$/p'
}
contents "$lib_deb" > "$work/lib.list" || fail "cannot list $(basename "$lib_deb")"
contents "$dev_deb" > "$work/dev.list" || fail "cannot list $(basename "$dev_deb")"
contents "$tool_deb" > "$work/tool.list" || fail "cannot list $(basename "$tool_deb")"
expect() {
	list=$1
	package=$2
	shift 2
	for path in "$@"; do
		grep -qxF "$path" "$work/$list" || fail "$package has no $path (it has: $(grep -v '^usr/share/doc/' "$work/$list" | tr '\n' ' '))"
	done
}
expect lib.list libnetfence0 "$libdir/libnetfence.so.0" "$libdir/libnetfence.so.$upstream"
expect dev.list libnetfence-dev usr/include/netfence.h "$libdir/pkgconfig/netfence.pc" "$libdir/libnetfence.so" \
	usr/share/man/man3/netfence.3.gz
expect tool.list netfence usr/bin/netfence usr/share/man/man1/netfence.1.gz usr/share/bash-completion/completions/netfence \
	usr/share/zsh/vendor-completions/_netfence usr/share/fish/vendor_completions.d/netfence.fish
grep -q 'libnetfence\.so$\|\.h$\|\.pc$' "$work/lib.list" && fail "libnetfence0 holds development files: $(tr '\n' ' ' < "$work/lib.list")"
grep -q 'zsh/site-functions' "$work/tool.list" && fail "netfence installs a zsh completion outside vendor-completions"
shared=$(cat "$work/lib.list" "$work/dev.list" "$work/tool.list" | grep -v '^usr/share/doc/\|^usr/share/lintian/' | sort | uniq -d)
[ -z "$shared" ] || fail "files in more than one package: $shared"
echo "ok   each file in its package (library; header, .pc, .so link, netfence(3); tool, netfence(1), completions)"

# --- unpack, no system install ---------------------------------------------
for deb in "$lib_deb" "$dev_deb" "$tool_deb"; do
	dpkg-deb -x "$deb" "$root" || fail "dpkg-deb -x $(basename "$deb")"
done
echo "ok   unpacked into a temporary root"

# --- the symbols file: every exported function, as the header declares ----
dpkg-deb --ctrl-tarfile "$lib_deb" | tar -xO ./symbols > "$work/symbols" 2>/dev/null ||
	fail "libnetfence0 has no symbols file (debian/libnetfence0.symbols)"
head -n 1 "$work/symbols" | grep -q '^libnetfence\.so\.0 libnetfence0 #MINVER#$' ||
	fail "the symbols file does not start with 'libnetfence.so.0 libnetfence0 #MINVER#': $(head -n 1 "$work/symbols")"
sed -n 's/^ \(netfence_[a-z0-9_]*\)@NETFENCE_0 .*/\1/p' "$work/symbols" | LC_ALL=C sort > "$work/symbols.names"
sed -n 's/^NETFENCE_EXTERN[^(]*[^a-z0-9_]\(netfence_[a-z0-9_]*\)(.*/\1/p' "$root/usr/include/netfence.h" | LC_ALL=C sort > "$work/header.names"
nm -D --defined-only "$root/$libdir/libnetfence.so.$upstream" | sed -n 's/^[0-9a-f]* T \(netfence_[a-z0-9_]*\)@@NETFENCE_0$/\1/p' |
	LC_ALL=C sort > "$work/library.names"
[ -s "$work/header.names" ] || fail "no netfence_* function found in the packaged netfence.h"
cmp -s "$work/header.names" "$work/symbols.names" ||
	fail "the symbols file and netfence.h disagree (< header, > symbols file): $(diff "$work/header.names" "$work/symbols.names" | grep '^[<>]' | tr '\n' ' ')"
cmp -s "$work/header.names" "$work/library.names" ||
	fail "the library's exports and netfence.h disagree (< header, > library): $(diff "$work/header.names" "$work/library.names" | grep '^[<>]' | tr '\n' ' ')"
echo "ok   symbols file: the $(wc -l < "$work/header.names") functions of netfence.h, exported by the library under NETFENCE_0"

# --- the README's C quick start, built with pkg-config ---------------------
sed -n '/^## Quick start: C$/,/^## /p' README.md |
	awk '/^```c$/ { inside = 1; next } inside && /^```$/ { exit } inside' > "$work/app.c"
grep -q 'int main(void)' "$work/app.c" && grep -q 'netfence_ruleset_restrict_self' "$work/app.c" ||
	fail "no C program in README.md's 'Quick start: C' section (the first \`\`\`c block)"
# pkg-config finds only the unpacked .pc (PKG_CONFIG_LIBDIR replaces the
# default search path); the sysroot prefixes its -I and -L, which say /usr.
pc() {
	env -u PKG_CONFIG_PATH PKG_CONFIG_LIBDIR="$root/$libdir/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$root" pkg-config "$@"
}
cflags=$(pc --cflags netfence) && libs=$(pc --libs netfence) || fail "pkg-config does not find netfence in the unpacked packages"
case " $cflags " in
*" -I$root/usr/include "*) ;;
*) fail "pkg-config --cflags netfence does not point into the unpacked root: $cflags" ;;
esac
case " $libs " in
*" -L$root/$libdir "*) ;;
*) fail "pkg-config --libs netfence does not point into the unpacked root: $libs" ;;
esac
# As the README says: cc app.c $(pkg-config --cflags --libs netfence)
$CC "$work/app.c" $cflags $libs -o "$work/app" > "$work/cc.log" 2>&1 ||
	{ cat "$work/cc.log"; fail "the quick start does not compile: $CC app.c $cflags $libs"; }
LD_LIBRARY_PATH="$root/$libdir" ldd "$work/app" | grep -qF "libnetfence.so.0 => $root/$libdir/libnetfence.so.0 " ||
	fail "the quick start does not load the unpacked libnetfence.so.0: $(LD_LIBRARY_PATH="$root/$libdir" ldd "$work/app" | grep libnetfence)"
LD_LIBRARY_PATH="$root/$libdir" "$work/app" > "$work/app.out" 2>&1
app_rc=$?
[ $app_rc = 0 ] || { cat "$work/app.out"; fail "the quick start exited with $app_rc"; }
echo "ok   the README's C quick start builds with pkg-config against the unpacked packages and exits 0"

# The same program, then a bind its ruleset does not allow (only TCP port
# 8080 may be bound): it must fail with EACCES. The README's main() is
# renamed, the code is unchanged.
cat > "$work/denied.c" <<'EOF'
#include <netfence.h>
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int readme_quick_start(void);

int main(void)
{
	int abi = netfence_landlock_abi();
	int rc = readme_quick_start();
	if (rc != 0) {
		printf("the quick start returned %d\n", rc);
		return 1;
	}
	if (abi < 4) {
		printf("skip: Landlock ABI %d has no TCP port rules (Linux 6.7, ABI 4)\n", abi);
		return 77;
	}
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0) {
		printf("socket: %s\n", strerror(errno));
		return 1;
	}
	struct sockaddr_in addr;
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons(8081);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
		printf("bind to TCP port 8081: allowed, the ruleset allows 8080 only\n");
		return 1;
	}
	int err = errno;
	close(fd);
	printf("bind to TCP port 8081: %s (%s)\n", err == EACCES ? "denied" : "failed", strerror(err));
	return err == EACCES ? 0 : 1;
}
EOF
$CC -c "$work/app.c" -Dmain=readme_quick_start $cflags -o "$work/app.o" > "$work/cc.log" 2>&1 &&
	$CC "$work/denied.c" "$work/app.o" $cflags $libs -o "$work/denied" >> "$work/cc.log" 2>&1 ||
	{ cat "$work/cc.log"; fail "the quick start with a bind after it does not compile"; }
LD_LIBRARY_PATH="$root/$libdir" "$work/denied" > "$work/denied.out" 2>&1
denied_rc=$?
if [ $denied_rc = $SKIP ]; then
	skip_reason=$(cat "$work/denied.out")
	echo "$skip_reason"
elif [ $denied_rc = 0 ] && grep -q '^bind to TCP port 8081: denied (' "$work/denied.out"; then
	echo "ok   after the quick start's restrict_self, $(cat "$work/denied.out")"
else
	cat "$work/denied.out"
	fail "the quick start did not deny bind to port 8081 (exit $denied_rc)"
fi

# --- the packaged tool ---------------------------------------------------
tool=$root/usr/bin/netfence
readelf -lW "$tool" | grep -q 'INTERP' && fail "usr/bin/netfence has a program interpreter: not a static executable"
tool_version=$("$tool" --version) || fail "netfence --version exited with $?"
case $tool_version in
"netfence $upstream "* | "netfence $upstream") ;;
*) fail "netfence --version printed '$tool_version', the package is $version" ;;
esac
"$tool" status > "$work/status.out" 2>&1
status_rc=$?
[ $status_rc = 0 ] || { cat "$work/status.out"; fail "the packaged netfence status exited with $status_rc"; }
head -n 1 "$work/status.out" | grep -q '^Landlock:' ||
	{ cat "$work/status.out"; fail "the packaged netfence status does not start with 'Landlock:'"; }
echo "ok   the packaged netfence (static) runs: $tool_version; status: $(head -n 1 "$work/status.out")"

# --- lintian -------------------------------------------------------------
command -v lintian > /dev/null || fail "lintian is not installed (make deps installs it)"
lintian "$lib_deb" "$dev_deb" "$tool_deb" > "$work/lintian.log" 2>&1
lintian_rc=$?
grep '^[EW]: ' "$work/lintian.log"
grep -q '^E: ' "$work/lintian.log" && fail "lintian reports errors (the E: lines above)"
[ $lintian_rc = 0 ] || { cat "$work/lintian.log"; fail "lintian exited with $lintian_rc"; }
echo "ok   lintian: no error, $(grep -c '^W: ' "$work/lintian.log") warning(s)"

if [ -n "$skip_reason" ]; then
	exit $SKIP
fi
exit 0
