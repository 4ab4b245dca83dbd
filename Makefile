# SPDX-License-Identifier: MIT
# netfence build: `make` (library), `make demo`, `make test`, `make install`.

PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
DESTDIR    ?=

VERSION_MAJOR := $(shell sed -n 's/^\#define NETFENCE_VERSION_MAJOR \([0-9]*\)/\1/p' include/netfence.h)
VERSION_MINOR := $(shell sed -n 's/^\#define NETFENCE_VERSION_MINOR \([0-9]*\)/\1/p' include/netfence.h)
VERSION_PATCH := $(shell sed -n 's/^\#define NETFENCE_VERSION_PATCH \([0-9]*\)/\1/p' include/netfence.h)
VERSION    := $(VERSION_MAJOR).$(VERSION_MINOR).$(VERSION_PATCH)
SOVERSION  := $(VERSION_MAJOR)

BUILD      := build
LIBNAME    := libnetfence.so.$(VERSION)
LIB        := $(BUILD)/lib/$(LIBNAME)
# -z now -z relro: every symbol bound at load, the GOT read-only after it
# (full RELRO), and no lazy binding later: not in the apply sequence, which
# also runs between fork and exec, nor as first-use cost in a fresh process.
# The C library gets its own scratch path: its linker flags (static Swift
# runtime, version script, soname) must not touch the normal .build tree.
CABI_SCRATCH := .build-cabi
CC         ?= cc
CXX        ?= c++
# SwiftPM compiles C targets with $$CC when it is set in the environment,
# and gcc does not understand clang's flags: keep it out of swift's way.
SWIFT      := env -u CC -u CXX swift

.PHONY: all lib cli deps demo test test-asan bench hot-functions fuzz install uninstall clean FORCE

all: lib

# Installs what is missing (Debian packages, pytest); a no-op when all is there.
deps:
	@sh tools/deps.sh

lib: $(LIB)

# Code layout (tools/layout/): every function in its own section (Swift and
# C; the static Swift runtime comes that way), linked by lld with the
# functions a first apply runs first, in the order they run (hot-functions.txt,
# made by `make hot-functions`), and the PLT just before them on a 64 KiB
# boundary (plt-first.ld). A fresh process then faults in one or two 64 KiB
# windows of library code for the whole apply instead of eight spread over
# 4 MB of text (the kernel maps file pages around a fault 64 KiB at a time).
HOT_FUNCTIONS := tools/layout/hot-functions.txt
LAYOUT_FILES := $(HOT_FUNCTIONS) tools/layout/plt-first.ld
LAYOUT_FLAGS := -Xswiftc -Xfrontend -Xswiftc -function-sections -Xcc -ffunction-sections -Xswiftc -use-ld=lld \
  -Xlinker --symbol-ordering-file=$(CURDIR)/$(HOT_FUNCTIONS) -Xlinker --no-warn-symbol-ordering \
  -Xlinker -T -Xlinker $(CURDIR)/tools/layout/plt-first.ld

LIB_FLAGS := -Xswiftc -static-stdlib -Xswiftc -Xfrontend -Xswiftc -prespecialize-generic-metadata $(LAYOUT_FLAGS) \
  -Xlinker --version-script=$(CURDIR)/exports.map -Xlinker -soname=libnetfence.so.$(SOVERSION) \
  -Xlinker -z -Xlinker now -Xlinker -z -Xlinker relro

$(LIB): FORCE
	@# SwiftPM rebuilds neither for changed -Xswiftc/-Xcc flags (objects kept
	@# without function sections) nor for changed layout files: start over
	@# when the flags differ from the last build's, relink when a layout file
	@# differs from the copy kept with the last link.
	@echo '$(LIB_FLAGS)' | cmp -s - $(CABI_SCRATCH)/build-flags || rm -rf $(CABI_SCRATCH)
	@for f in $(LAYOUT_FILES); do \
	  cmp -s $$f $(CABI_SCRATCH)/linked-$$(basename $$f) || rm -f $(CABI_SCRATCH)/release/libNetFenceCABI.so; done
	$(SWIFT) build -c release --product NetFenceCABI --scratch-path $(CABI_SCRATCH) --disable-local-rpath $(LIB_FLAGS)
	@echo '$(LIB_FLAGS)' > $(CABI_SCRATCH)/build-flags
	@for f in $(LAYOUT_FILES); do cp $$f $(CABI_SCRATCH)/linked-$$(basename $$f); done
	@mkdir -p $(BUILD)/lib
	cp $(CABI_SCRATCH)/release/libNetFenceCABI.so $@.tmp
	strip --strip-unneeded $@.tmp
	mv -f $@.tmp $@
	ln -sf $(LIBNAME) $(BUILD)/lib/libnetfence.so.$(SOVERSION)
	ln -sf libnetfence.so.$(SOVERSION) $(BUILD)/lib/libnetfence.so

install: lib cli
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(BINDIR)
	install -m 0755 $(BUILD)/bin/netfence $(DESTDIR)$(BINDIR)/netfence
	install -m 0755 $(LIB) $(DESTDIR)$(LIBDIR)/$(LIBNAME)
	ln -sf $(LIBNAME) $(DESTDIR)$(LIBDIR)/libnetfence.so.$(SOVERSION)
	ln -sf libnetfence.so.$(SOVERSION) $(DESTDIR)$(LIBDIR)/libnetfence.so
	install -m 0644 include/netfence.h $(DESTDIR)$(INCLUDEDIR)/netfence.h
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man3
	install -m 0644 man/netfence.1 $(DESTDIR)$(MANDIR)/man1/netfence.1
	install -m 0644 man/netfence.3 $(DESTDIR)$(MANDIR)/man3/netfence.3
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	  -e 's|@VERSION@|$(VERSION)|' pkgconfig/netfence.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/netfence.pc
	@if [ -z "$(DESTDIR)" ] && [ "$$(id -u)" = 0 ] && command -v ldconfig >/dev/null; then ldconfig; fi

uninstall:
	rm -f $(DESTDIR)$(MANDIR)/man1/netfence.1 $(DESTDIR)$(MANDIR)/man3/netfence.3
	rm -f $(DESTDIR)$(BINDIR)/netfence $(DESTDIR)$(LIBDIR)/$(LIBNAME) $(DESTDIR)$(LIBDIR)/libnetfence.so.$(SOVERSION) \
	  $(DESTDIR)$(LIBDIR)/libnetfence.so $(DESTDIR)$(INCLUDEDIR)/netfence.h $(DESTDIR)$(LIBDIR)/pkgconfig/netfence.pc

# The command-line tool: a static executable (Swift runtime, libc, libcap and
# libseccomp inside). No dynamic loader work at start: `netfence run` starts a
# program each time, and loading libstdc++ and friends alone cost ~0.7 ms.
cli: $(BUILD)/bin/netfence

$(BUILD)/bin/netfence: FORCE
	@mkdir -p $(BUILD)/bin
	@# glibc warns about NSS and dlopen in static programs (Foundation, pulled
	@# in by swift-argument-parser, references them; netfence calls none).
	$(SWIFT) build -c release --product netfence --static-swift-stdlib -Xswiftc -static-executable \
	  > $(BUILD)/cli-build.log 2>&1; rc=$$?; \
	  grep -v "statically linked applications requires at runtime\|use of .mktemp' is dangerous" $(BUILD)/cli-build.log; \
	  exit $$rc
	cp $$($(SWIFT) build -c release --show-bin-path)/netfence $@.tmp
	strip $@.tmp
	mv -f $@.tmp $@

DEMO_PROGRAMS := $(BUILD)/bin/demo-server $(BUILD)/bin/demo-client $(BUILD)/bin/free-port

$(BUILD)/bin/%: examples/cli/%.c
	@mkdir -p $(BUILD)/bin
	$(CC) -std=c99 -Wall -Wextra -O2 $< -o $@

# The demo (the main job): the CLI runs a socket-activated server with no
# network and a client that may reach that one port, each showing what is
# allowed and denied; then a C program uses the library directly.
demo: deps lib cli $(DEMO_PROGRAMS)
	@mkdir -p $(BUILD)/bin
	$(CC) -std=c99 -Wall -Wextra -O2 -Iinclude examples/c/demo.c -o $(BUILD)/bin/demo \
	  -L$(BUILD)/lib -lnetfence -Wl,-rpath,'$$ORIGIN/../lib'
	sh examples/cli/demo.sh $(BUILD)/bin
	@echo "== library demo (examples/c/demo.c): the same from C, with libnetfence"
	$(BUILD)/bin/demo

# The C suite under AddressSanitizer and UBSan alone (make test runs it too).
test-asan: deps lib
	@VERSION=$(VERSION) SOVERSION=$(SOVERSION) TEST_CC=$(CC) TEST_CXX=$(CXX) NETFENCE_SUITES="install asan" sh tests/run.sh

test: deps lib cli $(DEMO_PROGRAMS)
	@VERSION=$(VERSION) SOVERSION=$(SOVERSION) TEST_CC=$(CC) TEST_CXX=$(CXX) CABI_SCRATCH=$(CABI_SCRATCH) \
	  TOOLCHAIN="$$($(toolchain_stamp))" sh tests/run.sh

# Benchmarks (not part of `make test`): libnetfence, the CLI and spawn
# against raw syscalls doing the same work, interleaved; a table and
# $(BUILD)/bench.json. See docs/performance.md.
BENCH_CFLAGS := -std=c99 -O2 -Wall -Wextra -Wl,-z,now
bench: deps lib cli
	@mkdir -p $(BUILD)/bin
	$(CC) $(BENCH_CFLAGS) -Iinclude benchmarks/bench.c -o $(BUILD)/bin/bench \
	  -L$(BUILD)/lib -lnetfence -lseccomp -Wl,-rpath,'$$ORIGIN/../lib'
	$(CC) $(BENCH_CFLAGS) benchmarks/raw_sandboxer.c -o $(BUILD)/bin/bench-raw-sandboxer -lseccomp
	$(CC) $(BENCH_CFLAGS) -static benchmarks/raw_sandboxer.c -o $(BUILD)/bin/bench-raw-sandboxer-static -lseccomp
	$(CC) $(BENCH_CFLAGS) benchmarks/load_plain.c -o $(BUILD)/bin/bench-load-plain
	$(CC) $(BENCH_CFLAGS) -Iinclude benchmarks/load_linked.c -o $(BUILD)/bin/bench-load-linked \
	  -L$(BUILD)/lib -lnetfence -Wl,-rpath,'$$ORIGIN/../lib'
	$(CC) $(BENCH_CFLAGS) -Iinclude benchmarks/syscall_cost.c -o $(BUILD)/bin/syscall_cost \
	  -L$(BUILD)/lib -lnetfence -Wl,-rpath,'$$ORIGIN/../lib'
	BENCH_PYTHON=$$(command -v python3) PYTHONPATH=$(CURDIR)/python NETFENCE_LIBRARY=$(CURDIR)/$(BUILD)/lib/libnetfence.so.$(SOVERSION) \
	  $(BUILD)/bin/bench $(CURDIR)/$(BUILD)/bin $(BUILD)/bench.json
	$(BUILD)/bin/syscall_cost

# Regenerates $(HOT_FUNCTIONS) after a change to the apply path: traces
# tools/layout/hot_path.c (a first apply with port rules, then with a
# socket allow-list and a capability drop) instruction by instruction and lists
# the library functions it ran, in order, and records the toolchain it was made
# with ($(HOT_TOOLCHAIN): the names are the compiler's). x86_64 only (the
# tracer reads rip); ptrace of its own child (PTRACE_TRACEME).
HOT_TOOLCHAIN := tools/layout/hot-functions.toolchain
toolchain_stamp = echo "$$(uname -m) $$($(SWIFT) --version 2>/dev/null | head -1)"
hot-functions: lib
	@[ "$$(uname -m)" = x86_64 ] || { echo "make hot-functions: the tracer is x86_64 only"; exit 1; }
	@mkdir -p $(BUILD)/bin
	$(CC) -std=gnu99 -O2 -Wall -Wextra tools/layout/trace_offsets.c -o $(BUILD)/bin/trace_offsets
	$(CC) -std=c99 -O2 -Wall -Wextra -no-pie -fno-pie -Iinclude tools/layout/hot_path.c -o $(BUILD)/bin/hot_path \
	  -L$(BUILD)/lib -lnetfence -Wl,-rpath,'$$ORIGIN/../lib'
	set -e; markers=$$(nm $(BUILD)/bin/hot_path | awk '$$3=="hot_path_begin"{b=$$1} $$3=="hot_path_end"{e=$$1} END{print b, e}'); \
	  for mode in ports sockets; do \
	    $(BUILD)/bin/trace_offsets $$markers libnetfence.so $(BUILD)/bin/hot_path $$mode > $(BUILD)/hot-$$mode.txt; \
	  done; \
	  python3 tools/layout/order.py $(CABI_SCRATCH)/release/libNetFenceCABI.so \
	    $(BUILD)/hot-ports.txt $(BUILD)/hot-sockets.txt > $(HOT_FUNCTIONS).tmp
	mv -f $(HOT_FUNCTIONS).tmp $(HOT_FUNCTIONS)
	$(toolchain_stamp) > $(HOT_TOOLCHAIN)

# Fuzzing the C ABI (libFuzzer, with ASan and UBSan on the harness): not part
# of `make test`. FUZZ_TIME seconds; the corpus grows in $(BUILD)/fuzz-corpus.
FUZZ_TIME ?= 60
CLANG     ?= $(dir $(shell command -v swift))clang
fuzz: lib
	@mkdir -p $(BUILD)/fuzz-corpus
	$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -Iinclude fuzz/fuzz_cabi.c -o $(BUILD)/fuzz_cabi \
	  -L$(BUILD)/lib -lnetfence -Wl,-rpath,$(CURDIR)/$(BUILD)/lib
	$(BUILD)/fuzz_cabi -max_total_time=$(FUZZ_TIME) -max_len=256 -print_final_stats=1 $(BUILD)/fuzz-corpus fuzz/regressions

clean:
	rm -rf $(BUILD) $(CABI_SCRATCH) .build

FORCE:
