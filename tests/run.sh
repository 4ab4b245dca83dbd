#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every netfence test suite (called by `make test` after the library is
# built) and ends with one summary line. Enforcement always happens in child
# processes: forked children in the C suite, spawned executables for Swift,
# subprocesses for Python.
set -u
cd "$(dirname "$0")/.."
ROOT=$(pwd)
CC=${TEST_CC:-cc}
CXX=${TEST_CXX:-c++}
# swift commands below run under `env -u CC -u CXX`: SwiftPM would compile
# its C targets with $CC, and gcc cannot take clang's flags.
unset TEST_CC TEST_CXX
BUILD=$ROOT/build
STAGE=$BUILD/stage
passed=0
failed=0
failed_names=""

suite() {
	name=$1
	shift
	# NETFENCE_SUITES="a b" runs only those suites.
	if [ -n "${NETFENCE_SUITES:-}" ] && ! echo " $NETFENCE_SUITES " | grep -q " $name "; then
		return 0
	fi
	echo "=== $name"
	if "$@"; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failed_names="$failed_names $name"
		echo "=== $name: FAILED"
	fi
}

# One version everywhere: header macros, Swift, Python package, pyproject.
version_check() {
	swift_version=$(sed -n 's/^public let netfenceVersion = "\(.*\)"$/\1/p' Sources/NetFence/ABI.swift)
	python_version=$(sed -n 's/^__version__ = "\(.*\)"$/\1/p' python/netfence/__init__.py)
	project_version=$(sed -n 's/^version = "\(.*\)"$/\1/p' python/pyproject.toml)
	for v in "$swift_version" "$python_version" "$project_version"; do
		[ "$v" = "$VERSION" ] || { echo "FAIL version: $v differs from the header's $VERSION"; return 1; }
	done
	echo "ok   version $VERSION in the header, Swift, the Python package and pyproject.toml"
}

header_test() {
	$CC -std=c99 -Wall -Wextra -pedantic -Werror -Iinclude tests/c/header_test.c -o "$BUILD/header_test_c99" &&
	"$BUILD/header_test_c99" &&
	$CXX -x c++ -std=c++11 -Wall -Wextra -pedantic -Werror -Iinclude tests/c/header_test.c -o "$BUILD/header_test_cxx" &&
	"$BUILD/header_test_cxx" &&
	echo "ok   netfence.h compiles as C99 and C++11 with -Wall -Wextra -pedantic -Werror" &&
	version_check
}

staged_flags() {
	PKG_CONFIG_PATH="$STAGE/usr/local/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$STAGE" pkg-config --cflags --libs netfence
}

install_suite() {
	rm -rf "$STAGE"
	env -u CC -u CXX make -s install DESTDIR="$STAGE" PREFIX=/usr/local >/dev/null || return 1
	for f in lib/libnetfence.so.$VERSION lib/libnetfence.so.$SOVERSION lib/libnetfence.so include/netfence.h lib/pkgconfig/netfence.pc bin/netfence share/man/man1/netfence.1 share/man/man3/netfence.3; do
		[ -e "$STAGE/usr/local/$f" ] || { echo "FAIL install: missing $f"; return 1; }
	done
	grep -q '^prefix=/usr/local$' "$STAGE/usr/local/lib/pkgconfig/netfence.pc" || { echo "FAIL install: prefix in netfence.pc"; return 1; }
	echo "ok   make install DESTDIR=... stages the library, its symlinks, the header and netfence.pc"
}

c_abi_suite() {
	# Build the way a user does: only pkg-config knows where netfence is.
	flags=$(staged_flags) || return 1
	$CC -std=c99 -Wall -Wextra -Werror -O1 tests/c/netfence_test.c -o "$BUILD/netfence_test" -pthread \
		$flags -Wl,-rpath,"$STAGE/usr/local/lib" || return 1
	"$BUILD/netfence_test"
}

cli_suite() {
	NETFENCE_CLI="$BUILD/bin/netfence" python3 -m pytest -q -p no:cacheprovider -rs tests/cli
}

simulated_suite() {
	$CC -std=c99 -O1 tests/simulated/fake_kernel.c -o "$BUILD/bin/fake-kernel" || return 1
	NETFENCE_CLI="$BUILD/bin/netfence" NETFENCE_FAKE_KERNEL="$BUILD/bin/fake-kernel" \
		python3 -m pytest -q -p no:cacheprovider -rs tests/simulated
}

swift_suite() {
	# XCTest only: there are no swift-testing tests.
	env -u CC -u CXX swift test --disable-swift-testing 2>&1 | tee "$BUILD/swift-test.log" | grep -E "error:|FAILED|failed|skipped|Executed|^  (ok|FAILED)" | tail -40
	grep -q "with 0 failures" "$BUILD/swift-test.log" && ! grep -q "error:" "$BUILD/swift-test.log"
}

examples_suite() {
	flags=$(staged_flags) || return 1
	for example in demo no_network tcp_server; do
		$CC -std=c99 -Wall -Wextra -Werror -O1 "examples/c/$example.c" -o "$BUILD/example_$example" \
			$flags -Wl,-rpath,"$STAGE/usr/local/lib" || return 1
	done
	"$BUILD/example_demo" || { echo "FAIL examples: demo"; return 1; }
	"$BUILD/example_no_network" || { echo "FAIL examples: no_network"; return 1; }
	"$BUILD/example_tcp_server"
	rc=$?
	if [ $rc = 77 ]; then
		echo "skip tcp_server: needs root"
	elif [ $rc != 0 ]; then
		echo "FAIL examples: tcp_server exited $rc"
		return 1
	fi
	echo "ok   examples built with pkg-config and run"
}

escape_suite() {
	$CC -std=gnu99 -O1 -Wall -Wextra -Werror -Iinclude tests/escape/escape.c -o "$BUILD/escape" -pthread \
		-L"$BUILD/lib" -lnetfence -Wl,-rpath,"$BUILD/lib" || return 1
	"$BUILD/escape"
}

asan_suite() {
	# The C suite again, instrumented with AddressSanitizer and UBSan
	# (clang from the Swift toolchain); leaks checked at exit.
	clang=$(dirname "$(command -v swift)")/clang
	"$clang" -std=c99 -g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined \
		-Iinclude tests/c/netfence_test.c -o "$BUILD/netfence_test_asan" -pthread \
		-L"$BUILD/lib" -lnetfence -Wl,-rpath,"$BUILD/lib" 2>&1 | grep -v "Cannot export local symbol" || true
	[ -x "$BUILD/netfence_test_asan" ] || return 1
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 "$BUILD/netfence_test_asan" | tail -1
}

memcheck_suite() {
	# No leak from the library on build/use/free cycles (valgrind memcheck).
	if ! command -v valgrind >/dev/null 2>&1; then
		echo "skip memcheck: valgrind is not installed"
		return 0
	fi
	$CC -std=c99 -g -O1 -Iinclude tests/c/leak_check.c -o "$BUILD/leak_check" -L"$BUILD/lib" -lnetfence \
		-Wl,-rpath,"$BUILD/lib" || return 1
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=9 "$BUILD/leak_check"
}

swift_examples_suite() {
	# A separate package that depends on netfence by path, as a user's would.
	(cd examples/swift && env -u CC -u CXX swift build 2>&1 | tail -1) || return 1
	examples/swift/.build/debug/NoNetwork || { echo "FAIL swift example NoNetwork"; return 1; }
	if [ "$(id -u)" = 0 ]; then
		examples/swift/.build/debug/TCPServer || { echo "FAIL swift example TCPServer"; return 1; }
	else
		echo "skip TCPServer: dropping capabilities needs root"
	fi
}

python_examples_suite() {
	for example in no_network tcp_server; do
		PYTHONPATH="$ROOT/python" NETFENCE_LIBRARY="$BUILD/lib/libnetfence.so.$SOVERSION" \
			python3 "examples/python/$example.py" || { echo "FAIL python example $example"; return 1; }
	done
}

python_suite() {
	NETFENCE_LIBRARY="$BUILD/lib/libnetfence.so.$SOVERSION" python3 -m pytest -q -p no:cacheprovider -rs python/tests
}

mkdir -p "$BUILD"
suite "exports" sh tests/check_exports.sh "$BUILD/lib/libnetfence.so.$SOVERSION"
suite "header" header_test
suite "install" install_suite
suite "c-abi" c_abi_suite
suite "examples" examples_suite
suite "escape" escape_suite
suite "asan" asan_suite
suite "memcheck" memcheck_suite
suite "swift-examples" swift_examples_suite
suite "python-examples" python_examples_suite
suite "python" python_suite
suite "cli" cli_suite
suite "simulated" simulated_suite
suite "swift" swift_suite

echo
[ -n "$failed_names" ] && echo "failed suites:$failed_names"
echo "suites: $passed passed, $failed failed"
[ "$failed" = 0 ]
