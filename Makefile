# kscope: one entry point for build, static build, tests, benchmarks and dependencies.
#
# A tool is whatever has a bpf/<tool>.bpf.c: its loader is user/<tool>.c, its private
# (BPF-free, unit-testable) modules are user/<tool>_<what>.c, and it links the common
# library built from user/lib/*.c.  Workload generators are tools/*.c, unit tests
# tests/unit/test_*.c.  Nothing here needs editing when a tool is added.

CLANG ?= clang
# Debian installs bpftool in /usr/sbin, which is not on a user's PATH: make builds as a user too
BPFTOOL_FOUND := $(firstword $(shell PATH="$$PATH:/usr/sbin:/sbin" command -v bpftool) bpftool)
BPFTOOL ?= $(BPFTOOL_FOUND)
LLVM_STRIP ?= llvm-strip
CC ?= cc
ARCH := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
BUILD := build
VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

CFLAGS ?= -g -O2
# option and plan tables are positional initializers that leave trailing fields zero on purpose
CFLAGS += -Wall -Wextra -Wno-missing-field-initializers -std=gnu11 -DKSCOPE_VERSION='"$(VERSION)"'
# a tool's modules and the unit tests that link them never see build/, so a skeleton
# included by a module is a compile error instead of a link error in the unit tests
MOD_INCLUDES := -Iuser -Iuser/lib -Ibpf
INCLUDES := $(MOD_INCLUDES) -I$(BUILD)
BPF_CFLAGS := -g -O2 -Wall -target bpf -D__TARGET_ARCH_$(ARCH) -Ivmlinux/$(ARCH) -Ibpf
LIBS := -lbpf -lelf -lz
STATIC_LIBS := -static -lbpf -lelf -lz

TOOLS := $(sort $(patsubst bpf/%.bpf.c,%,$(wildcard bpf/*.bpf.c)))
LIB_OBJS := $(patsubst user/lib/%.c,$(BUILD)/lib/%.o,$(wildcard user/lib/*.c))
MOD_SRCS := $(foreach t,$(TOOLS),$(wildcard user/$(t)_*.c))
GENERATORS := $(patsubst tools/%.c,$(BUILD)/tools/%,$(wildcard tools/*.c))
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_*.c))
BPF_HEADERS := $(wildcard bpf/*.h) vmlinux/$(ARCH)/vmlinux.h
LIB_HEADERS := $(wildcard user/lib/*.h) $(wildcard bpf/*.h)

.PHONY: all tools generators static unit test test-hostile check-asan demo bench deps deps-build vmlinux fuzz vmtest clean format \
	install deb soak
# a recipe that fails or is interrupted (bpftool gen skeleton > $@) leaves no truncated target
# behind for .SECONDARY to keep
.DELETE_ON_ERROR:
.SECONDARY:
.SECONDEXPANSION:

all: tools generators

tools: $(TOOLS:%=$(BUILD)/%)
generators: $(GENERATORS)
unit: $(UNIT_TESTS)
# the generators too: a container image (tests/containers.bats) holds only busybox and these
static: $(TOOLS:%=$(BUILD)/static/%) $(GENERATORS:$(BUILD)/tools/%=$(BUILD)/static-tools/%)

$(BUILD) $(BUILD)/lib $(BUILD)/mod $(BUILD)/tools $(BUILD)/unit $(BUILD)/static \
		$(BUILD)/static-tools:
	mkdir -p $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(BPF_HEADERS) | $(BUILD)
	$(CLANG) $(BPF_CFLAGS) -c $< -o $@
	$(LLVM_STRIP) -g $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $* > $@

$(BUILD)/lib/%.o: user/lib/%.c $(LIB_HEADERS) | $(BUILD)/lib
	$(CC) $(CFLAGS) $(INCLUDES) -c $< -o $@

$(BUILD)/libkscope.a: $(LIB_OBJS)
	$(AR) rcs $@ $^

$(BUILD)/mod/%.o: user/%.c $(LIB_HEADERS) $(wildcard user/*.h) | $(BUILD)/mod
	$(CC) $(CFLAGS) $(MOD_INCLUDES) -c $< -o $@

$(BUILD)/%.o: user/%.c $(BUILD)/%.skel.h $(LIB_HEADERS) $(wildcard user/*.h) | $(BUILD)
	$(CC) $(CFLAGS) $(INCLUDES) -c $< -o $@

tool_mods = $(patsubst user/%.c,$(BUILD)/mod/%.o,$(wildcard user/$(1)_*.c))

$(BUILD)/%: $(BUILD)/%.o $$(call tool_mods,$$*) $(BUILD)/libkscope.a
	$(CC) $(CFLAGS) $^ $(LIBS) -o $@

$(BUILD)/static/%: $(BUILD)/%.o $$(call tool_mods,$$*) $(BUILD)/libkscope.a | $(BUILD)/static
	$(CC) $(CFLAGS) $^ $(STATIC_LIBS) -o $@

$(BUILD)/tools/%: tools/%.c $(wildcard tools/*.h) | $(BUILD)/tools
	$(CC) $(CFLAGS) -Itools $< -o $@ -lpthread

$(BUILD)/static-tools/%: tools/%.c $(wildcard tools/*.h) | $(BUILD)/static-tools
	$(CC) $(CFLAGS) -static -Itools $< -o $@ -lpthread

$(BUILD)/unit/%: tests/unit/%.c $(patsubst user/%.c,$(BUILD)/mod/%.o,$(MOD_SRCS)) $(BUILD)/libkscope.a | $(BUILD)/unit
	$(CC) $(CFLAGS) $(INCLUDES) -Itests/unit $^ $(LIBS) -o $@

# deps-build installs what building and running needs, deps what the tests and benchmarks need
# too (tools/deps.sh), and both mount tracefs: the first step of demo and test, so that the
# README's two commands work with nothing installed by hand.  The tests load BPF programs
# and make namespaces and cgroups: as another user, test says to run it as root.
deps:
	tools/deps.sh test

deps-build:
	tools/deps.sh build

# both load BPF programs: as another user they say so (and what to run) before anything else
ROOT_CHECK = @[ "$$(id -u)" -eq 0 ] || { echo "make $@: loads BPF programs and creates network namespaces: run it as root (sudo make $@)" >&2; exit 1; }

demo:
	$(ROOT_CHECK)
	tools/deps.sh build
	$(MAKE) all
	tools/demo.sh

test:
	$(ROOT_CHECK)
	tools/deps.sh test
	$(MAKE) all unit static
	tests/run

# the same suite with a kscope already running and both CPUs busy (tests/hostile says how)
test-hostile:
	$(ROOT_CHECK)
	tools/deps.sh test
	$(MAKE) all unit static
	tests/hostile

# the tools and unit tests with ASan+UBSan in build-asan/, the suites against them; any
# sanitizer report fails it (tests/check-asan)
check-asan:
	$(ROOT_CHECK)
	tools/deps.sh test
	tests/check-asan

bench: deps
	$(MAKE) all
	tools/bench/run.sh $(BENCH)

# Fuzz targets: tests/fuzz/fuzz_<tool>_<what>.c exercise user/<tool>_<what>.c with libFuzzer.
FUZZ_TARGETS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(wildcard tests/fuzz/fuzz_*.c))
FUZZ_SECONDS ?= 60

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c user/%.c $(LIB_OBJS:$(BUILD)/lib/%.o=user/lib/%.c)
	mkdir -p $(BUILD)/fuzz
	$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined -DKSCOPE_VERSION='"$(VERSION)"' \
		$(INCLUDES) $(filter %.c,$^) \
		$(LIBS) -o $@

fuzz: $(FUZZ_TARGETS)
	for t in $(FUZZ_TARGETS); do mkdir -p $$t.corpus; \
		$$t -max_total_time=$(FUZZ_SECONDS) $$t.corpus || exit 1; done

# Guest kernels under QEMU (tests/vm/): the static binaries and generators, booted and checked.
# then kscope@.service under a real systemd: a cached Debian root with the .deb (tests/vm/systemd)
vmtest: static generators deb
	tests/vm/run $(VMTEST); s=$$?; tests/vm/systemd || s=1; tests/vm/fresh || s=1; exit $$s

PREFIX ?= /usr/local
DESTDIR ?=
SOAK_TOOL ?= tcpwait
SOAK_SECONDS ?= 600

# binaries in $(DESTDIR)$(PREFIX)/sbin, man pages in share/man/man8, docs in share/doc/kscope
install: tools
	tools/install.sh $(PREFIX) $(DESTDIR)

# build/kscope_$(VERSION)_<arch>.deb: the static binaries, man pages, docs, systemd unit
deb: static
	packaging/build-deb.sh $(BUILD)

# daemon mode (--prom-file) under a long churn; RSS and map sizes sampled (docs/fleet.md)
soak: deps
	$(MAKE) all
	tools/soak.sh -d $(SOAK_SECONDS) $(SOAK_TOOL)

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/$(ARCH)/vmlinux.h

format:
	clang-format -i bpf/*.c bpf/*.h user/*.c user/lib/*.c user/lib/*.h tools/*.c tests/unit/*.c

clean:
	rm -rf $(BUILD)
