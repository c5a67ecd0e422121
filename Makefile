# SPDX-License-Identifier: LGPL-2.1-or-later
# esx-driver: build, test, demo, bench, install.
#
#   make demo    build everything, start esx-sim, run esxsh against it
#   make test    every test: Rust, C (ABI check, harness, valgrind), pyvmomi, virsh
#   make bench   round trips, latency and memory against esx-sim
#   make install PREFIX=/usr/local   library (with SONAME), header, esx-driver.pc

VERSION    := 0.1.0
PREFIX     ?= /usr/local
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
BINDIR     ?= $(PREFIX)/bin
DESTDIR    ?=
CARGO      ?= cargo
CC         ?= cc
CFLAGS     ?= -O2 -g
WARN       := -Wall -Wextra -Werror -std=c11 -D_POSIX_C_SOURCE=200809L

# Everything is built once, in one profile (release; `make test` uses ci,
# release with debug assertions), and installed into a local stage that the
# C programs, demo and tests use like an installed copy.
PROFILE ?= release
TARGET  := $(CURDIR)/target/$(PROFILE)
STAGE   := $(CURDIR)/build/stage
BUILD   := $(CURDIR)/build
LIB     := $(TARGET)/libesx_driver.so
SIM     := $(TARGET)/esx-sim
PKGCFG  := PKG_CONFIG_PATH=$(STAGE)/lib/pkgconfig pkg-config

export ESX_SIM := $(SIM)
export ESXSH := $(BUILD)/esxsh
export ESX_STAGE := $(STAGE)

.PHONY: all lib sim header check-header stage esxsh c-programs demo test test-rust test-c \
        test-pyvmomi test-virsh test-valgrind bench install uninstall clean asan vcsim abi-check

all: lib sim c-programs

lib:
	$(CARGO) build --profile $(PROFILE) -p esx-driver

sim:
	$(CARGO) build --profile $(PROFILE) -p esx-sim

# Regenerates include/esx_driver.h from the Rust sources (commit the result).
header:
	ESX_DRIVER_WRITE_HEADER=1 $(CARGO) build --profile $(PROFILE) -p esx-driver

check-header:
	$(CARGO) test --profile $(PROFILE) --test abi header_is_current

install: lib
	install -d $(DESTDIR)$(LIBDIR) $(DESTDIR)$(INCLUDEDIR) $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 755 $(LIB) $(DESTDIR)$(LIBDIR)/libesx_driver.so.$(VERSION)
	ln -sf libesx_driver.so.$(VERSION) $(DESTDIR)$(LIBDIR)/libesx_driver.so.0
	ln -sf libesx_driver.so.0 $(DESTDIR)$(LIBDIR)/libesx_driver.so
	install -m 644 include/esx_driver.h $(DESTDIR)$(INCLUDEDIR)/esx_driver.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' esx-driver.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/esx-driver.pc

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/libesx_driver.so* $(DESTDIR)$(INCLUDEDIR)/esx_driver.h \
	      $(DESTDIR)$(LIBDIR)/pkgconfig/esx-driver.pc

stage:
	$(MAKE) --no-print-directory install PREFIX=$(STAGE)

# The C programs see only the installed header and library, found through
# the installed esx-driver.pc.
c-programs: stage
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) $(WARN) ffi-examples/esxsh.c ffi-examples/esxsh_storage.c -o $(BUILD)/esxsh \
	    $$($(PKGCFG) --cflags --libs esx-driver) -Wl,-rpath,$(STAGE)/lib
	$(CC) $(CFLAGS) $(WARN) -Iffi-examples ffi-examples/harness.c -o $(BUILD)/harness -ldl -lpthread \
	    $$($(PKGCFG) --cflags --libs esx-driver) -Wl,-rpath,$(STAGE)/lib
	$(CC) $(CFLAGS) $(WARN) -Iffi-examples ffi-examples/hardening.c -o $(BUILD)/hardening -lpthread \
	    $$($(PKGCFG) --cflags --libs esx-driver) -Wl,-rpath,$(STAGE)/lib
	$(CC) $(CFLAGS) $(WARN) ffi-examples/esx-watch.c -o $(BUILD)/esx-watch \
	    $$($(PKGCFG) --cflags --libs esx-driver) -Wl,-rpath,$(STAGE)/lib

# The ABI check compiles our header against libvirt's (libvirt-dev): a test
# prerequisite, not part of `all`, so that `make demo` needs no libvirt.
abi-check: stage
	@mkdir -p $(BUILD)
	$(CC) $(CFLAGS) $(WARN) ffi-examples/abi_check.c -o $(BUILD)/abi_check \
	    $$($(PKGCFG) --cflags esx-driver) $$(pkg-config --cflags libvirt)

# govmomi's simulator, a second server for the tests (tests/vcsim), built
# offline from Debian's golang-github-vmware-govmomi-dev.
GOPATH_DEBIAN := /usr/share/gocode
vcsim: $(BUILD)/vcsim
$(BUILD)/vcsim: tests/vcsim/main.go
	@mkdir -p $(BUILD)
	GO111MODULE=off GOPATH=$(GOPATH_DEBIAN) GOCACHE=$(BUILD)/gocache go build -o $@ tests/vcsim/main.go

esxsh: c-programs

demo: all
	scripts/demo.sh

# The tests build in the ci profile only: `make test` after `make demo`
# builds once more, but never twice within itself.
test test-rust test-c test-pyvmomi test-virsh test-valgrind: export PROFILE := ci
test: ; $(MAKE) --no-print-directory PROFILE=ci all && scripts/test.sh
test-rust: ; $(MAKE) --no-print-directory PROFILE=ci all && scripts/test.sh rust
test-c: ; $(MAKE) --no-print-directory PROFILE=ci all && scripts/test.sh c
test-pyvmomi: ; $(MAKE) --no-print-directory PROFILE=ci all && scripts/test.sh pyvmomi
test-virsh: ; $(MAKE) --no-print-directory PROFILE=ci all && scripts/test.sh virsh
test-valgrind: ; $(MAKE) --no-print-directory PROFILE=ci all && scripts/test.sh valgrind

# The bench compares with virsh and curl and times with /usr/bin/time:
# installed when missing (Debian: libvirt-clients, curl, time).
bench: all
	@missing=""; \
	for p in /usr/bin/virsh:libvirt-clients /usr/bin/curl:curl /usr/bin/time:time; do \
	    [ -x "$${p%%:*}" ] || missing="$$missing $${p#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
	    echo "installing$$missing for the bench"; \
	    apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	$(CARGO) run --release --example bench

# AddressSanitizer build of the C harness against an ASan-instrumented
# library (needs a nightly toolchain for -Zsanitizer; see README.md).
asan:
	scripts/asan.sh

clean:
	$(CARGO) clean
	rm -rf $(BUILD)
