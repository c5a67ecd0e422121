# SPDX-License-Identifier: LGPL-2.1-or-later
# esx-driver: build, test, demo, bench, install, packages.
#
#   make           build everything: libesx_driver.so (stripped, debug info
#                  beside it), libesx_driver.a, esx-sim, esxsh, esx-watch
#   make demo      build everything, start esx-sim, run esxsh against it
#   make test      every test: Rust, C (ABI check, harness, valgrind), pyvmomi,
#                  virsh; in CI also the Debian packages (make deb)
#   make install   install what `make` built (never builds): PREFIX, BINDIR,
#                  LIBDIR, INCLUDEDIR, MANDIR, DESTDIR; `make uninstall`
#                  removes exactly that (docs/packaging.md)
#   make deb       Debian packages in build/deb, checked by lintian
#   make doc       the API reference in build/doc/api, from the header
#   make bench     round trips, latency and memory against esx-sim

VERSION    := $(shell sed -n 's/^version = "\(.*\)"$$/\1/p' Cargo.toml | head -n1)
SOVERSION  := 0
PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
DOCDIR     ?= $(DATADIR)/doc/esx-driver
DESTDIR    ?=
# yes: install the stripped files with their debug info in a .debug
# directory beside them (where gdb and valgrind look); no: install the
# unstripped files (a distribution's own tools split them, as dh_strip does).
SPLIT_DEBUG ?= yes
CARGO      ?= cargo
RUSTC      ?= rustc
CC         ?= cc
OBJCOPY    ?= objcopy
CFLAGS     ?= -O2 -g
CPPFLAGS   ?=
LDFLAGS    ?=
WERROR     ?= -Werror
WARN       := -Wall -Wextra $(WERROR) -std=c11 -D_POSIX_C_SOURCE=200809L

# The installed programs find the library through a relative RUNPATH
# ($ORIGIN/<BINDIR to LIBDIR>), so an installed tree can move; none when
# LIBDIR is one the dynamic loader searches anyway. Fixed when they are
# linked: give make the same PREFIX/BINDIR/LIBDIR as make install (or RPATH=).
comma      := ,
MULTIARCH  := $(shell $(CC) -print-multiarch 2>/dev/null)
SYSTEM_LIBDIRS := /lib /lib64 /usr/lib /usr/lib64 $(if $(MULTIARCH),/lib/$(MULTIARCH) /usr/lib/$(MULTIARCH))
RPATH      ?= $(if $(filter $(abspath $(LIBDIR)),$(SYSTEM_LIBDIRS)),,$$ORIGIN/$(shell realpath -m --relative-to=$(BINDIR) $(LIBDIR)))

# Everything is built once, in one profile (release; `make test` uses ci,
# release with debug assertions), and installed into a local stage that the
# C programs, demo and tests use like an installed copy.
PROFILE ?= release
export CARGO_TARGET_DIR ?= $(CURDIR)/target
TARGET  := $(CARGO_TARGET_DIR)/$(PROFILE)
BUILD   ?= $(CURDIR)/build
STAGE   := $(BUILD)/stage
OUT     := $(BUILD)/$(PROFILE)
LIB     := $(TARGET)/libesx_driver.so
STATIC  := $(TARGET)/libesx_driver.a
SIM     := $(TARGET)/esx-sim
REALNAME := libesx_driver.so.$(VERSION)
SONAME  := libesx_driver.so.$(SOVERSION)
PKGCFG  := PKG_CONFIG_PATH=$(STAGE)/lib/pkgconfig pkg-config

# The build outputs `make install` copies.
PROGRAMS := esxsh esx-watch esx-sim
OUT_LIB    := $(OUT)/lib/$(REALNAME)
OUT_STATIC := $(OUT)/lib/libesx_driver.a
OUT_BINS   := $(addprefix $(OUT)/bin/,$(PROGRAMS))
MAN1 := $(notdir $(wildcard man/*.1))
MAN7 := $(notdir $(wildcard man/*.7))

export ESX_SIM := $(SIM)
export ESXSH := $(BUILD)/esxsh
export ESX_STAGE := $(STAGE)

.PHONY: all lib sim header check-header stage stage-dev esxsh c-programs demo test test-rust \
        test-c test-pyvmomi test-virsh test-valgrind bench install install-lib install-dev \
        install-bin install-man install-doc uninstall check-lib check-bin deb doc abi-release clean \
        asan vcsim abi-check man

all: lib sim c-programs

lib:
	$(CARGO) build --profile $(PROFILE) -p esx-driver
	@$(MAKE) --no-print-directory $(OUT_LIB) $(OUT_STATIC)

sim:
	$(CARGO) build --profile $(PROFILE) -p esx-sim
	@$(MAKE) --no-print-directory $(OUT)/bin/esx-sim

# Stripped copies with their debug info in a separate file, found through
# the .gnu_debuglink section (the name and CRC of the debug file).
define split
	@mkdir -p $(@D)
	$(OBJCOPY) --only-keep-debug $< $@.debug
	chmod 644 $@.debug
	$(OBJCOPY) $(1) --add-gnu-debuglink=$@.debug $< $@
endef
$(OUT_LIB): $(LIB) ; $(call split,--strip-unneeded)
$(OUT)/bin/esx-sim: $(SIM) ; $(call split,--strip-all)
$(OUT)/bin/esxsh: $(OUT)/full/esxsh ; $(call split,--strip-all)
$(OUT)/bin/esx-watch: $(OUT)/full/esx-watch ; $(call split,--strip-all)
$(OUT_STATIC): $(STATIC)
	@mkdir -p $(@D)
	$(OBJCOPY) --strip-debug --enable-deterministic-archives $< $@

# What cargo and c-programs build: never built from here (so that `make
# install` never runs cargo).
$(LIB) $(STATIC) $(SIM) $(OUT)/full/esxsh $(OUT)/full/esx-watch:
	@echo "$@ is missing: run make first" >&2; exit 1

# Regenerates include/esx_driver.h from the Rust sources (commit the result).
header:
	ESX_DRIVER_WRITE_HEADER=1 $(CARGO) build --profile $(PROFILE) -p esx-driver

check-header:
	$(CARGO) test --profile $(PROFILE) --test abi header_is_current

# The stage: an installed copy in build/stage, which the C programs build
# against and the tests and the demo use (build/esxsh and build/esx-watch
# point into it).
STAGE_VARS := PREFIX=$(STAGE) BINDIR=$(STAGE)/bin LIBDIR=$(STAGE)/lib INCLUDEDIR=$(STAGE)/include \
              DATADIR=$(STAGE)/share MANDIR=$(STAGE)/share/man DOCDIR=$(STAGE)/share/doc/esx-driver \
              BASHCOMPDIR=$(STAGE)/share/bash-completion/completions DESTDIR=
stage-dev:
	@$(MAKE) --no-print-directory install-lib install-dev $(STAGE_VARS)
stage:
	@$(MAKE) --no-print-directory install $(STAGE_VARS)
	ln -sfn stage/bin/esxsh $(BUILD)/esxsh
	ln -sfn stage/bin/esx-watch $(BUILD)/esx-watch

# The C programs see only the installed header and library, found through
# the installed esx-driver.pc. esxsh and esx-watch are installed (with the
# RUNPATH above); the harness and the hardening program are tests.
ESXSH_SRC := $(wildcard ffi-examples/esxsh*.c)
PROG_LINK := $(LDFLAGS) $(if $(strip $(RPATH)),'-Wl$(comma)-rpath$(comma)$(RPATH)')
TEST_LINK := $(LDFLAGS) -Wl,-rpath,$(STAGE)/lib
c-programs: lib sim
	@$(MAKE) --no-print-directory stage-dev
	@mkdir -p $(OUT)/full
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(ESXSH_SRC) -o $(OUT)/full/esxsh -lpthread \
	    $$($(PKGCFG) --cflags --libs esx-driver) $(PROG_LINK)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) ffi-examples/esx-watch.c -o $(OUT)/full/esx-watch \
	    $$($(PKGCFG) --cflags --libs esx-driver) $(PROG_LINK)
	scripts/table-fields.sh include/esx_driver.h > $(BUILD)/table_fields.h
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -Iffi-examples -I$(BUILD) ffi-examples/harness.c -o $(BUILD)/harness -ldl -lpthread \
	    $$($(PKGCFG) --cflags --libs esx-driver) $(TEST_LINK)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -Iffi-examples ffi-examples/hardening.c -o $(BUILD)/hardening -lpthread \
	    $$($(PKGCFG) --cflags --libs esx-driver) $(TEST_LINK)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -Iffi-examples ffi-examples/generic.c -o $(BUILD)/generic -lpthread \
	    $$($(PKGCFG) --cflags --libs esx-driver) $(TEST_LINK)
	@$(MAKE) --no-print-directory $(OUT)/bin/esxsh $(OUT)/bin/esx-watch
	@$(MAKE) --no-print-directory stage

# `make install` installs what `make` built and builds nothing: it stops
# when an output is missing or older than what it is built from.
define fresh
	@test -e $(1) || { echo "make install: $(1) is not built: run make first" >&2; exit 1; }
	@n=$$(find $(2) -newer $(1) -type f -print -quit); \
	 test -z "$$n" || { echo "make install: $(1) is older than $$n: run make first" >&2; exit 1; }
endef
# (Compared with the sources, not with cargo's files: `cargo test` links
# those again with the workspace's features, from the same sources.)
LIB_SOURCES := src crates abi build.rs cbindgen.toml Cargo.toml Cargo.lock
check-lib:
	$(call fresh,$(OUT_LIB),$(LIB_SOURCES))
	$(call fresh,$(OUT_STATIC),$(LIB_SOURCES))
check-bin:
	$(call fresh,$(OUT)/bin/esx-sim,sim/src sim/Cargo.toml crates/common crates/vi crates/vmx Cargo.lock)
	$(call fresh,$(OUT)/bin/esxsh,$(wildcard ffi-examples/esxsh*) include)
	$(call fresh,$(OUT)/bin/esx-watch,ffi-examples/esx-watch.c include)

install: install-lib install-dev install-bin install-man

# (SPLIT_DEBUG=no installs the unstripped files.)
pick = $(if $(filter yes,$(SPLIT_DEBUG)),$(1),$(2))
install-lib: check-lib
	install -d $(DESTDIR)$(LIBDIR)
	install -m 644 $(call pick,$(OUT_LIB),$(LIB)) $(DESTDIR)$(LIBDIR)/$(REALNAME)
	ln -sf $(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME)
	$(if $(filter yes,$(SPLIT_DEBUG)),install -D -m 644 $(OUT_LIB).debug $(DESTDIR)$(LIBDIR)/.debug/$(REALNAME).debug)

install-dev: check-lib
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libesx_driver.so
	install -m 644 $(call pick,$(OUT_STATIC),$(STATIC)) $(DESTDIR)$(LIBDIR)/libesx_driver.a
	install -m 644 include/esx_driver.h $(DESTDIR)$(INCLUDEDIR)/esx_driver.h
	sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' \
	    -e 's|@VERSION@|$(VERSION)|' esx-driver.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/esx-driver.pc
	chmod 644 $(DESTDIR)$(LIBDIR)/pkgconfig/esx-driver.pc

install-bin: check-bin
	install -d $(DESTDIR)$(BINDIR)
	$(foreach p,esxsh esx-watch,install -m 755 $(call pick,$(OUT)/bin/$(p),$(OUT)/full/$(p)) $(DESTDIR)$(BINDIR)/$(p);)
	install -m 755 $(call pick,$(OUT)/bin/esx-sim,$(SIM)) $(DESTDIR)$(BINDIR)/esx-sim
	$(if $(filter yes,$(SPLIT_DEBUG)),$(foreach p,$(PROGRAMS),install -D -m 644 $(OUT)/bin/$(p).debug $(DESTDIR)$(BINDIR)/.debug/$(p).debug;))

install-man:
	install -D -m 644 contrib/bash-completion/esxsh $(DESTDIR)$(BASHCOMPDIR)/esxsh
	install -d $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7
	$(foreach m,$(MAN1),install -m 644 man/$(m) $(DESTDIR)$(MANDIR)/man1/$(m);)
	$(foreach m,$(MAN7),install -m 644 man/$(m) $(DESTDIR)$(MANDIR)/man7/$(m);)

# The API reference (make doc), for those who want it installed.
install-doc:
	@test -e $(BUILD)/doc/api/index.html || { echo "make install-doc: run make doc first" >&2; exit 1; }
	install -d $(DESTDIR)$(DOCDIR)/api
	install -m 644 $(BUILD)/doc/api/*.html $(BUILD)/doc/api/*.css $(DESTDIR)$(DOCDIR)/api/

# Exactly what install (and install-doc) install; directories stay, except
# the .debug ones, which only hold ours.
uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/$(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	      $(DESTDIR)$(LIBDIR)/.debug/$(REALNAME).debug $(DESTDIR)$(LIBDIR)/libesx_driver.so \
	      $(DESTDIR)$(LIBDIR)/libesx_driver.a $(DESTDIR)$(LIBDIR)/pkgconfig/esx-driver.pc \
	      $(DESTDIR)$(INCLUDEDIR)/esx_driver.h \
	      $(foreach p,$(PROGRAMS),$(DESTDIR)$(BINDIR)/$(p) $(DESTDIR)$(BINDIR)/.debug/$(p).debug) \
	      $(foreach m,$(MAN1),$(DESTDIR)$(MANDIR)/man1/$(m)) $(foreach m,$(MAN7),$(DESTDIR)$(MANDIR)/man7/$(m)) \
	      $(DESTDIR)$(BASHCOMPDIR)/esxsh
	rm -rf $(DESTDIR)$(DOCDIR)/api
	-rmdir $(DESTDIR)$(LIBDIR)/.debug $(DESTDIR)$(BINDIR)/.debug $(DESTDIR)$(DOCDIR) 2>/dev/null

# Debian packages (debian/, docs/packaging.md): built from a copy of the
# tree in build/deb, with their own cargo target directory there.
deb:
	scripts/deb.sh

# The API reference: one HTML page per group of exports, generated from the
# header's comments by a small program of our own (docs/packaging.md says why).
doc: $(BUILD)/apidoc
	$(BUILD)/apidoc include/esx_driver.h $(BUILD)/doc/api $(VERSION)
$(BUILD)/apidoc: $(wildcard examples/apidoc/*.rs)
	@mkdir -p $(BUILD)
	$(RUSTC) --edition 2021 -O -o $@ examples/apidoc/main.rs

# Records the exports of the version being released in abi/released
# (docs/abi.md): run on the release commit, after make; then bump the version.
abi-release:
	@node=ESX_DRIVER_$$(echo $(VERSION) | cut -d. -f1,2); \
	 nm -D --defined-only $(LIB) | sed -n "s/.* \(esx[A-Za-z0-9_]*\)@@$$node\$$/\1/p" | sort | \
	 while read -r s; do \
	     grep -qx "$$node $$s" abi/released || echo "$$node $$s" >> abi/released; \
	 done; \
	 echo "abi/released: $$(grep -c "^$$node " abi/released) exports in $$node"

# esxsh's manual page, written from its command table (esxsh --man);
# commit the result (tests/esxsh.rs checks it is current).
man: c-programs
	@mkdir -p man
	$(BUILD)/esxsh --man > man/esxsh.1

# The ABI check compiles our header against libvirt's (libvirt-dev): a test
# prerequisite, not part of `all`, so that `make demo` needs no libvirt.
abi-check: lib
	@$(MAKE) --no-print-directory stage-dev
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) ffi-examples/abi_check.c -o $(BUILD)/abi_check \
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
