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

.PHONY: all lib cli test-cli deps demo test test-asan bench fuzz install uninstall clean FORCE

all: lib

# Installs what is missing (Debian packages, pytest); a no-op when all is there.
deps:
	@sh tools/deps.sh

lib: $(LIB)

LIB_FLAGS := -Xswiftc -static-stdlib \
  -Xlinker --version-script=$(CURDIR)/exports.map -Xlinker -soname=libnetfence.so.$(SOVERSION) \
  -Xlinker -z -Xlinker now -Xlinker -z -Xlinker relro

$(LIB): FORCE
	@# SwiftPM does not rebuild for changed -Xswiftc/-Xcc/-Xlinker flags:
	@# start the scratch directory over when they differ from the last build's.
	@echo '$(LIB_FLAGS)' | cmp -s - $(CABI_SCRATCH)/build-flags || rm -rf $(CABI_SCRATCH)
	$(SWIFT) build -c release --product NetFenceCLibrary --scratch-path $(CABI_SCRATCH) --disable-local-rpath $(LIB_FLAGS)
	@echo '$(LIB_FLAGS)' > $(CABI_SCRATCH)/build-flags
	@mkdir -p $(BUILD)/lib
	cp $(CABI_SCRATCH)/release/libNetFenceCLibrary.so $@.tmp
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

# build_cli(scratch directory, extra flags, output): the static tool.
# glibc warns about NSS and dlopen in static programs (Foundation, pulled in
# by swift-argument-parser, references them; netfence calls none).
define build_cli
	@mkdir -p $(dir $(3))
	$(SWIFT) build -c release --product netfence --scratch-path $(1) --static-swift-stdlib -Xswiftc -static-executable $(2) \
	  > $(3).log 2>&1; rc=$$?; \
	  grep -v "statically linked applications requires at runtime\|use of .mktemp' is dangerous" $(3).log; \
	  exit $$rc
	cp $$($(SWIFT) build -c release --scratch-path $(1) --show-bin-path)/netfence $(3).tmp
	strip $(3).tmp
	mv -f $(3).tmp $(3)
endef

$(BUILD)/bin/netfence: FORCE
	$(call build_cli,.build,,$@)

# The test build of the tool: the same sources with the test-only hooks
# compiled in (NETFENCE_TEST_ABI: docs/security-testing.md), in a scratch
# directory of its own. The cli and simulated suites use it; it is never
# installed, and the installed tool and library ignore the variable.
TEST_SCRATCH := .build-test
test-cli: $(BUILD)/test/bin/netfence
$(BUILD)/test/bin/netfence: FORCE
	$(call build_cli,$(TEST_SCRATCH),-Xcc -DNETFENCE_TEST_HOOKS,$@)

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

test: deps lib cli test-cli $(DEMO_PROGRAMS)
	@VERSION=$(VERSION) SOVERSION=$(SOVERSION) TEST_CC=$(CC) TEST_CXX=$(CXX) sh tests/run.sh

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
	rm -rf $(BUILD) $(CABI_SCRATCH) $(TEST_SCRATCH) .build

FORCE:
