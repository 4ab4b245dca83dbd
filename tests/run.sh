#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs every netfence test suite (called by `make test` after the library is
# built) and ends with one summary line, read by CI:
#   suites: N passed, N failed, N skipped
# Each suite function returns 0 (passed: everything in it ran and passed),
# 77 (skipped: nothing failed, but all or part of it did not run, and it
# printed why) or anything else (failed). No pipeline hides a status: output
# that is shortened goes to a log file first. Enforcement always happens in
# child processes: forked children in the C suite, spawned executables for
# Swift, subprocesses for Python.
#
# NETFENCE_EXPECT_ABI=N (CI sets it) adds a first check, kernel-abi: unless
# the kernel (and netfence) has Landlock ABI N, it fails with the reason and
# so does every suite after it. The test programs read the variable too: a
# case skipped for lack of a kernel feature is then a failure.
# NETFENCE_SUITES="a b" runs only those suites.
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
SKIP=77
passed=0
failed=0
skipped=0
failed_names=""
skipped_names=""
ran_names=""
# Set by kernel-abi when NETFENCE_EXPECT_ABI is not met: every suite fails.
abi_problem=""

suite() {
	suite_name=$1
	shift
	if [ -n "${NETFENCE_SUITES:-}" ] && [ "$suite_name" != kernel-abi ] &&
		! echo " $NETFENCE_SUITES " | grep -q " $suite_name "; then
		return 0
	fi
	ran_names="$ran_names $suite_name"
	echo "=== $suite_name"
	"$@"
	suite_rc=$?
	if [ -n "$abi_problem" ] && [ "$suite_name" != kernel-abi ]; then
		echo "=== $suite_name: FAILED (exit $suite_rc; $abi_problem)"
		failed=$((failed + 1))
		failed_names="$failed_names $suite_name"
	elif [ $suite_rc = 0 ]; then
		passed=$((passed + 1))
	elif [ $suite_rc = $SKIP ]; then
		skipped=$((skipped + 1))
		skipped_names="$skipped_names $suite_name"
		echo "=== $suite_name: SKIPPED (all or part of it did not run: see the skip lines above)"
	else
		failed=$((failed + 1))
		failed_names="$failed_names $suite_name"
		echo "=== $suite_name: FAILED (exit $suite_rc)"
	fi
}

# NETFENCE_EXPECT_ABI: the kernel's Landlock ABI, asked directly, and the one
# netfence reports (NETFENCE_TEST_ABI lowers it) must both be N.
kernel_abi_check() {
	$CC -std=c99 -Wall -Wextra -Werror -O1 -Iinclude tests/c/landlock_abi.c -o "$BUILD/landlock_abi" \
		-L"$BUILD/lib" -lnetfence -Wl,-rpath,"$BUILD/lib" || return 1
	abis=$("$BUILD/landlock_abi") || { echo "FAIL kernel-abi: cannot read the Landlock ABI"; return 1; }
	kernel_abi=${abis% *}
	netfence_abi=${abis#* }
	if [ "$kernel_abi" != "$NETFENCE_EXPECT_ABI" ] || [ "$netfence_abi" != "$NETFENCE_EXPECT_ABI" ]; then
		abi_problem="the kernel's Landlock ABI is $kernel_abi (netfence reports $netfence_abi${NETFENCE_TEST_ABI:+ under NETFENCE_TEST_ABI=$NETFENCE_TEST_ABI}), NETFENCE_EXPECT_ABI=$NETFENCE_EXPECT_ABI"
		echo "FAIL kernel-abi: $abi_problem"
		return 1
	fi
	echo "ok   the kernel and netfence have Landlock ABI $kernel_abi, as NETFENCE_EXPECT_ABI says"
}

# Runs a pytest command line ($@) into log $1, then prints the log: 77 when
# it passed but skipped a test (-rs printed why).
run_pytest() {
	log=$1
	shift
	"$@" > "$log" 2>&1
	pytest_rc=$?
	cat "$log"
	[ $pytest_rc = 0 ] || return 1
	if tail -n 1 "$log" | grep -q ' skipped'; then
		return $SKIP
	fi
	return 0
}

# One version everywhere: header macros, Swift, Python package, pyproject.
# The version is written in one place, the header's NETFENCE_VERSION_*
# macros (read by the Makefile as $VERSION): the library, the Python package
# and the tool report it, and no source holds a version literal of its own.
version_check() {
	library_version=$(python3 -c 'import ctypes, sys; l = ctypes.CDLL(sys.argv[1]); l.netfence_version.restype = ctypes.c_char_p; print(l.netfence_version().decode())' \
		"$BUILD/lib/libnetfence.so.$SOVERSION")
	python_version=$(PYTHONPATH="$ROOT/python" NETFENCE_LIBRARY="$BUILD/lib/libnetfence.so.$SOVERSION" python3 -c 'import netfence; print(netfence.__version__)')
	tool_version=$("$BUILD/bin/netfence" --version | cut -d' ' -f2)
	for v in "$library_version" "$python_version" "$tool_version"; do
		[ "$v" = "$VERSION" ] || { echo "FAIL version: $v differs from the header's $VERSION"; return 1; }
	done
	if grep -rnE '"[0-9]+\.[0-9]+\.[0-9]+"' Sources python/netfence python/pyproject.toml; then
		echo "FAIL version: a version literal outside the header (above)"
		return 1
	fi
	echo "ok   version $VERSION from the header alone: the library, the Python package and the tool agree"
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
	# As under sudo: no swift on PATH. `make install` installs what `make`
	# built and never builds.
	env -u CC -u CXX PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin make -s install DESTDIR="$STAGE" PREFIX=/usr/local >/dev/null || return 1
	for f in lib/libnetfence.so.$VERSION lib/libnetfence.so.$SOVERSION lib/libnetfence.so include/netfence.h lib/pkgconfig/netfence.pc bin/netfence share/man/man1/netfence.1 share/man/man3/netfence.3 \
		share/bash-completion/completions/netfence share/zsh/site-functions/_netfence share/fish/vendor_completions.d/netfence.fish; do
		[ -e "$STAGE/usr/local/$f" ] || { echo "FAIL install: missing $f"; return 1; }
	done
	grep -q '^prefix=/usr/local$' "$STAGE/usr/local/lib/pkgconfig/netfence.pc" || { echo "FAIL install: prefix in netfence.pc"; return 1; }
	# The installed completions are the tool's own (what it generates now).
	for shell in bash zsh fish; do
		case $shell in bash) f=bash-completion/completions/netfence ;; zsh) f=zsh/site-functions/_netfence ;; fish) f=fish/vendor_completions.d/netfence.fish ;; esac
		"$STAGE/usr/local/bin/netfence" --generate-completion-script $shell | cmp -s - "$STAGE/usr/local/share/$f" \
			|| { echo "FAIL install: the $shell completion differs from the tool's"; return 1; }
	done
	# `make` prints short lines; `make V=1` the commands in full.
	env -u CC -u CXX make lib > "$BUILD/make-lines.log" 2>&1 || { cat "$BUILD/make-lines.log"; return 1; }
	long=$(awk 'length > 100' "$BUILD/make-lines.log")
	[ -z "$long" ] || { echo "FAIL install: make printed long lines:"; echo "$long"; return 1; }
	env -u CC -u CXX make V=1 lib 2>&1 | grep -q -- '--product NetFenceCLibrary' || { echo "FAIL install: make V=1 hides the commands"; return 1; }
	echo "ok   make prints short lines; make V=1 shows the commands"
	echo "ok   make install DESTDIR=... stages the library, its symlinks, the header, netfence.pc, the tool, its man pages and shell completions"
}

c_abi_suite() {
	# Build the way a user does: only pkg-config knows where netfence is.
	flags=$(staged_flags) || return 1
	$CC -std=c99 -Wall -Wextra -Werror -O1 tests/c/netfence_test.c -o "$BUILD/netfence_test" -pthread \
		$flags -Wl,-rpath,"$STAGE/usr/local/lib" || return 1
	"$BUILD/netfence_test"
}

# The cli and simulated suites run the test build of the tool (make
# test-cli: NETFENCE_TEST_ABI honoured, to test downgrades on this kernel).
cli_suite() {
	run_pytest "$BUILD/cli-test.log" env NETFENCE_CLI="$BUILD/test/bin/netfence" \
		python3 -m pytest -q -p no:cacheprovider -rs tests/cli
}

simulated_suite() {
	$CC -std=c99 -O1 tests/simulated/fake_kernel.c -o "$BUILD/bin/fake-kernel" || return 1
	run_pytest "$BUILD/simulated-test.log" \
		env NETFENCE_CLI="$BUILD/test/bin/netfence" NETFENCE_FAKE_KERNEL="$BUILD/bin/fake-kernel" \
		python3 -m pytest -q -p no:cacheprovider -rs tests/simulated
}

# What is installed ignores the test-only NETFENCE_TEST_ABI: no environment
# can make the library or the tool enforce less (only the test build has it).
production_suite() {
	$CC -std=c99 -Wall -Wextra -Werror -O1 -Iinclude tests/c/landlock_abi.c -o "$BUILD/landlock_abi_production" \
		-L"$BUILD/lib" -lnetfence -Wl,-rpath,"$BUILD/lib" || return 1
	abis=$(NETFENCE_TEST_ABI=1 "$BUILD/landlock_abi_production") || { echo "FAIL production: cannot read the ABI"; return 1; }
	kernel_abi=${abis% *}
	netfence_abi=${abis#* }
	if [ "$kernel_abi" -gt 1 ] && [ "$netfence_abi" != "$kernel_abi" ]; then
		echo "FAIL production: the library reports ABI $netfence_abi under NETFENCE_TEST_ABI=1 (kernel: $kernel_abi)"
		return 1
	fi
	tool_abi=$(NETFENCE_TEST_ABI=1 "$BUILD/bin/netfence" status --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["landlock"]["abi"])') ||
		{ echo "FAIL production: netfence status --json"; return 1; }
	if [ "$kernel_abi" -gt 1 ] && [ "$tool_abi" != "$kernel_abi" ]; then
		echo "FAIL production: the tool reports ABI $tool_abi under NETFENCE_TEST_ABI=1 (kernel: $kernel_abi)"
		return 1
	fi
	test_abi=$(NETFENCE_TEST_ABI=1 "$BUILD/test/bin/netfence" status --json | python3 -c 'import json, sys; print(json.load(sys.stdin)["landlock"]["abi"])')
	if [ "$kernel_abi" -gt 1 ] && [ "$test_abi" != 1 ]; then
		echo "FAIL production: the test build does not honour NETFENCE_TEST_ABI (reports $test_abi): the check proves nothing"
		return 1
	fi
	echo "ok   the installed library and tool ignore NETFENCE_TEST_ABI (kernel ABI $kernel_abi); the test build honours it"
}

swift_suite() {
	# XCTest only: there are no swift-testing tests. The whole log is kept.
	log=$BUILD/swift-test.log
	env -u CC -u CXX swift test --disable-swift-testing --traits CommandLineTool > "$log" 2>&1
	swift_rc=$?
	# Shown for the reader only: the verdict comes from swift_rc and the summary line below.
	awk '/error:|FAILED|failed|skipped|Executed|^  (ok|FAILED)/' "$log" > "$log.shown"
	tail -n 40 "$log.shown"
	if [ $swift_rc != 0 ]; then
		echo "FAIL swift: swift test exited $swift_rc (log: $log)"
		return 1
	fi
	# The last summary line is the whole run's ("All tests" finishes last):
	#   Executed N tests, with [K tests skipped and ]F failures (U unexpected) in ...
	total=$(grep -E "[Ee]xecuted [0-9]+ tests?, with " "$log" | tail -n 1)
	executed=$(echo "$total" | sed -n 's/.*[Ee]xecuted \([0-9][0-9]*\) tests*, with .*/\1/p')
	skipped_tests=$(echo "$total" | sed -n 's/.* with \([0-9][0-9]*\) tests* skipped and .*/\1/p')
	failures=$(echo "$total" | sed -n 's/.* \([0-9][0-9]*\) failures* (\([0-9][0-9]*\) unexpected).*/\1/p')
	unexpected=$(echo "$total" | sed -n 's/.* \([0-9][0-9]*\) failures* (\([0-9][0-9]*\) unexpected).*/\2/p')
	if [ -z "$executed" ] || [ -z "$failures" ] || [ -z "$unexpected" ]; then
		echo "FAIL swift: no XCTest summary line in $log"
		return 1
	fi
	echo "swift: $executed tests executed, $failures failures ($unexpected unexpected), ${skipped_tests:-0} skipped"
	if [ "$executed" -eq 0 ]; then
		echo "FAIL swift: no test was executed"
		return 1
	fi
	if [ "$failures" != 0 ] || [ "$unexpected" != 0 ] || grep -q "error:" "$log"; then
		echo "FAIL swift: failures or errors in $log"
		return 1
	fi
	[ "${skipped_tests:-0}" = 0 ] || return $SKIP
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
	example_rc=$?
	if [ $example_rc = 77 ]; then
		echo "ok   examples demo and no_network built with pkg-config and run"
		echo "skip tcp_server: needs root"
		return $SKIP
	elif [ $example_rc != 0 ]; then
		echo "FAIL examples: tcp_server exited $example_rc"
		return 1
	fi
	echo "ok   examples built with pkg-config and run"
}

escape_suite() {
	# The setuid case's helper needs nothing but libc (static when the
	# toolchain can), so that uid 65534 can run it from anywhere.
	$CC -std=gnu99 -O1 -Wall -Wextra -Werror -static tests/escape/setuid_helper.c \
		-o "$BUILD/escape-setuid-helper" 2>/dev/null ||
		$CC -std=gnu99 -O1 -Wall -Wextra -Werror tests/escape/setuid_helper.c \
			-o "$BUILD/escape-setuid-helper" || return 1
	$CC -std=gnu99 -O1 -Wall -Wextra -Werror -Iinclude tests/escape/escape.c -o "$BUILD/escape" -pthread \
		-L"$BUILD/lib" -lnetfence -Wl,-rpath,"$BUILD/lib" || return 1
	"$BUILD/escape"
}

asan_suite() {
	# The C suite again, instrumented with AddressSanitizer and UBSan
	# (clang from the Swift toolchain); leaks checked at exit.
	clang=$(dirname "$(command -v swift)")/clang
	rm -f "$BUILD/netfence_test_asan"
	"$clang" -std=c99 -g -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined \
		-Iinclude tests/c/netfence_test.c -o "$BUILD/netfence_test_asan" -pthread \
		-L"$BUILD/lib" -lnetfence -Wl,-rpath,"$BUILD/lib" > "$BUILD/asan-build.log" 2>&1
	build_rc=$?
	grep -v "Cannot export local symbol" "$BUILD/asan-build.log"
	if [ $build_rc != 0 ]; then
		echo "FAIL asan: $clang exited $build_rc"
		return 1
	fi
	log=$BUILD/asan-test.log
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 "$BUILD/netfence_test_asan" > "$log" 2>&1
	asan_rc=$?
	if [ $asan_rc = 0 ] || [ $asan_rc = $SKIP ]; then
		grep -E "^(skip|FAIL)" "$log"
		tail -n 1 "$log"
	else
		cat "$log"
		echo "FAIL asan: the instrumented C suite exited $asan_rc"
	fi
	return $asan_rc
}

memcheck_suite() {
	# No leak from the library on build/use/free cycles (valgrind memcheck).
	if ! command -v valgrind >/dev/null 2>&1; then
		echo "skip memcheck: valgrind is not installed"
		return $SKIP
	fi
	$CC -std=c99 -g -O1 -Iinclude tests/c/leak_check.c -o "$BUILD/leak_check" -L"$BUILD/lib" -lnetfence \
		-Wl,-rpath,"$BUILD/lib" || return 1
	valgrind -q --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=9 "$BUILD/leak_check"
}

swift_examples_suite() {
	# A package that depends on netfence for NetFence resolves nothing else:
	# the tool's swift-argument-parser is behind the CommandLineTool trait.
	consumer=$BUILD/consumer
	rm -rf "$consumer"
	mkdir -p "$consumer/Sources/Consumer"
	cat > "$consumer/Package.swift" <<-EOF
	// swift-tools-version:6.1
	import PackageDescription
	let package = Package(name: "Consumer",
	    dependencies: [.package(path: "$ROOT")],
	    targets: [.executableTarget(name: "Consumer", dependencies: [.product(name: "NetFence", package: "$(basename "$ROOT")")])])
	EOF
	echo 'import NetFence' > "$consumer/Sources/Consumer/main.swift"
	(cd "$consumer" && env -u CC -u CXX swift package resolve) > "$BUILD/consumer-resolve.log" 2>&1 \
		|| { cat "$BUILD/consumer-resolve.log"; echo "FAIL swift-examples: a consumer package does not resolve"; return 1; }
	if grep -q swift-argument-parser "$consumer/Package.resolved" 2>/dev/null || [ -e "$consumer/.build/checkouts/swift-argument-parser" ]; then
		echo "FAIL swift-examples: a package that depends on NetFence resolves swift-argument-parser"
		return 1
	fi
	echo "ok   a package that depends on NetFence resolves no swift-argument-parser"

	# A separate package that depends on netfence by path, as a user's would.
	log=$BUILD/swift-examples-build.log
	(cd examples/swift && env -u CC -u CXX swift build) > "$log" 2>&1
	build_rc=$?
	if [ $build_rc != 0 ]; then
		tail -n 40 "$log"
		echo "FAIL swift-examples: swift build exited $build_rc (log: $log)"
		return 1
	fi
	tail -n 1 "$log"
	[ ! -e examples/swift/.build/checkouts/swift-argument-parser ] \
		|| { echo "FAIL swift-examples: examples/swift resolved swift-argument-parser"; return 1; }
	examples/swift/.build/debug/NoNetwork || { echo "FAIL swift example NoNetwork"; return 1; }
	if [ "$(id -u)" != 0 ]; then
		echo "skip TCPServer: dropping capabilities needs root"
		return $SKIP
	fi
	examples/swift/.build/debug/TCPServer || { echo "FAIL swift example TCPServer"; return 1; }
}

python_examples_suite() {
	for example in no_network tcp_server; do
		PYTHONPATH="$ROOT/python" NETFENCE_LIBRARY="$BUILD/lib/libnetfence.so.$SOVERSION" \
			python3 "examples/python/$example.py" || { echo "FAIL python example $example"; return 1; }
	done
}

python_suite() {
	run_pytest "$BUILD/python-test.log" env NETFENCE_LIBRARY="$BUILD/lib/libnetfence.so.$SOVERSION" \
		python3 -m pytest -q -p no:cacheprovider -rs python/tests
}

mkdir -p "$BUILD"
if [ -n "${NETFENCE_EXPECT_ABI:-}" ]; then
	suite "kernel-abi" kernel_abi_check
fi
# The wheel (make wheel): manylinux-tagged, nothing outside the policy, and,
# installed in a fresh venv outside the source tree with no LD_LIBRARY_PATH,
# no NETFENCE_LIBRARY and no system library needed, it restricts a child and
# gives the `netfence` command.
wheel_suite() {
	env -u CC -u CXX make -s wheel > "$BUILD/wheel.log" 2>&1 || { cat "$BUILD/wheel.log"; echo "FAIL wheel: make wheel"; return 1; }
	whl=$(ls "$BUILD"/wheel/netfence-"$VERSION"-py3-none-manylinux_*_"$(uname -m)".whl 2>/dev/null | head -1)
	[ -n "$whl" ] || { ls "$BUILD/wheel"; echo "FAIL wheel: no py3-none-manylinux wheel"; return 1; }
	echo "ok   $(basename "$whl")"
	# auditwheel show: the wheel is consistent with its manylinux tag (no
	# library it needs is outside the policy; libcap and libseccomp are inside).
	"$BUILD/wheel-tools/bin/auditwheel" show "$whl" > "$BUILD/wheel-show.log" 2>&1 || { cat "$BUILD/wheel-show.log"; return 1; }
	tr '\n' ' ' < "$BUILD/wheel-show.log" | grep -q 'consistent with the *following platform tag: *"manylinux_' \
		|| { cat "$BUILD/wheel-show.log"; echo "FAIL wheel: auditwheel show"; return 1; }
	echo "ok   auditwheel show: consistent with a manylinux platform tag"
	venv=$(mktemp -d /tmp/netfence-wheel-venv.XXXXXX)
	python3 -m venv "$venv" && "$venv/bin/pip" install -q --no-index "$whl" > "$BUILD/wheel-install.log" 2>&1 \
		|| { cat "$BUILD/wheel-install.log"; rm -rf "$venv"; echo "FAIL wheel: pip install"; return 1; }
	cp tests/packaging/wheel_check.py "$venv/"
	(cd / && env -u LD_LIBRARY_PATH -u NETFENCE_LIBRARY -u PYTHONPATH "$venv/bin/python" "$venv/wheel_check.py")
	rc=$?
	if [ $rc = 0 ]; then
		version=$(cd / && "$venv/bin/netfence" --version)
		case $version in
		"netfence $VERSION "*) echo "ok   pip install gives the netfence command: $version" ;;
		*) echo "FAIL wheel: $venv/bin/netfence --version printed: $version"; rc=1 ;;
		esac
	fi
	# The source package still builds without the toolchain's artifacts: pure
	# Python, its version from the header.
	if [ $rc = 0 ]; then
		"$venv/bin/pip" wheel -q --no-deps "$ROOT/python" -w "$venv/sdist" > "$BUILD/wheel-source.log" 2>&1 \
			&& [ -f "$venv/sdist/netfence-$VERSION-py3-none-any.whl" ] \
			&& echo "ok   pip builds ./python from source: netfence-$VERSION-py3-none-any.whl" \
			|| { cat "$BUILD/wheel-source.log"; ls "$venv/sdist" 2>/dev/null; echo "FAIL wheel: pip wheel ./python"; rc=1; }
	fi
	rm -rf "$venv"
	return $rc
}

# The Debian packages (make deb): unpacked into a temporary root, no system
# install, the README's C quick start builds against them with pkg-config and
# runs, and the packaged tool starts; Depends computed by dh_shlibdeps; no
# lintian error.
deb_suite() {
	env -u CC -u CXX make -s deb > "$BUILD/deb.log" 2>&1 || { cat "$BUILD/deb.log"; echo "FAIL deb: make deb"; return 1; }
	echo "ok   make deb: $(cd "$BUILD/deb" && echo *.deb)"
	CC=$CC sh tools/deb-test.sh "$BUILD/deb"
}

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
suite "production" production_suite
suite "swift" swift_suite
suite "wheel" wheel_suite
suite "deb" deb_suite

# A name in NETFENCE_SUITES that is no suite must not pass unnoticed.
for name in ${NETFENCE_SUITES:-}; do
	case " $ran_names " in
	*" $name "*) ;;
	*)
		echo "=== $name: FAILED (no such suite)"
		failed=$((failed + 1))
		failed_names="$failed_names $name"
		;;
	esac
done

echo
[ -n "$failed_names" ] && echo "failed suites:$failed_names"
[ -n "$skipped_names" ] && echo "skipped suites:$skipped_names"
[ -n "$abi_problem" ] && echo "kernel: $abi_problem"
echo "suites: $passed passed, $failed failed, $skipped skipped"
[ "$failed" = 0 ] && [ $((passed + skipped)) -gt 0 ]
