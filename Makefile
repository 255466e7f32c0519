# breachd — build, test, install.  See README.md.
#
#   make            build breachd and breachctl
#   make check      unit tests + end-to-end tests against a private Dovecot/Postfix
#   make deps       install every build and test dependency (Debian, as root)
#   make demo       run the daemon against private local servers
#   make install    PREFIX=/usr/local DESTDIR=
#   make bench      benchmarks (docs/PERFORMANCE.md)
#   make fuzz       every fuzzer for FUZZ_SECONDS each (default 300; clang);
#                   FUZZ_TARGET=decision for one (docs/FUZZING.md)
#   make stress     the kill test at full size: 500 messages, 50 kills

PREFIX     ?= /usr/local
SBINDIR    ?= $(PREFIX)/sbin
BINDIR     ?= $(PREFIX)/bin
MANDIR     ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
DATADIR    ?= $(PREFIX)/share/breachd
UNITDIR    ?= /lib/systemd/system
SYSUSERSDIR ?= /usr/lib/sysusers.d
TMPFILESDIR ?= /usr/lib/tmpfiles.d

CC      ?= cc
PKGS     = libetpan gmime-3.0 sqlite3 libpq libconfig libsystemd libxml-2.0 libarchive gnutls poppler-glib libical
# libetpan's .pc file carries Debian's no-pie link specs; they are not ours to use.
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(filter-out -specs=%,$(shell pkg-config --libs $(PKGS) 2>/dev/null))

WARN     = -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes -Wmissing-prototypes \
           -Wno-unused-parameter -Wvla -Wnull-dereference
CFLAGS  ?= -O2 -g
ifeq ($(CI),true)
WERROR  ?= 1
endif
ifeq ($(WERROR),1)
WARN    += -Werror
endif
ifeq ($(SANITIZE),1)
CFLAGS  += -O1 -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE -pthread $(WARN) $(CFLAGS) -Isrc $(PKG_CFLAGS) \
             -DSYSCONFDIR='"$(SYSCONFDIR)"' -DDATADIR='"$(DATADIR)"'
LIBS     = $(PKG_LIBS) -lm -pthread

# Objects remember whether they were built with the sanitizers
# (build/.flags): after a plain build, `make check SANITIZE=1` rebuilds
# everything with them instead of testing the old objects, and the other
# way round.  Only SANITIZE counts: the tests' own `make install PREFIX=...`
# must not rebuild the tree under the suite's feet.  (Run the suite by hand
# after a sanitized build as SANITIZE=1 bash tests/run.sh.)
FLAGS_NOW := SANITIZE=$(SANITIZE)
ifneq ($(FLAGS_NOW),$(strip $(file <build/.flags)))
$(shell mkdir -p build)
$(file >build/.flags,$(FLAGS_NOW))
endif

BUILD    = build
# src/ is one folder per stage of a message's journey (docs/DESIGN.md);
# objects mirror it under build/.
LIB_SRC  = $(filter-out src/daemon/breachd.c src/ctl/breachctl.c,$(wildcard src/*/*.c))
LIB_OBJ  = $(LIB_SRC:src/%.c=$(BUILD)/%.o) $(BUILD)/templates_builtin.o
TEMPLATES = $(wildcard conf/templates/*.txt conf/templates/*.html)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNIT_BIN = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

all: breachd breachctl

$(BUILD)/%.o: src/%.c | $(BUILD)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

# The shipped templates are compiled in: a file in templates_dir overrides
# one, a missing file falls back to it.
$(BUILD)/templates_builtin.c: $(TEMPLATES) scripts/embed-templates.sh | $(BUILD)
	@sh scripts/embed-templates.sh $(TEMPLATES) >$@

$(BUILD)/templates_builtin.o: $(BUILD)/templates_builtin.c
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -c $< -o $@

$(BUILD)/libbreachd.a: $(LIB_OBJ)
	rm -f $@ && ar rcs $@ $^

breachd: $(BUILD)/daemon/breachd.o $(BUILD)/libbreachd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

breachctl: $(BUILD)/ctl/breachctl.o $(BUILD)/libbreachd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

# Every unit test is linked with the shared fixture (tests/unit/fixture.h:
# a temp dir, a Config, the time zone and an open register).
UNIT_FIXTURE = $(BUILD)/tests/fixture.o

$(UNIT_FIXTURE): tests/unit/fixture.c tests/unit/fixture.h | $(BUILD)
	@mkdir -p $(BUILD)/tests
	@echo "  CC      $<"
	@$(CC) $(ALL_CFLAGS) -Itests/unit -MMD -MP -c $< -o $@

$(BUILD)/tests/%: tests/unit/%.c tests/unit/tap.h tests/unit/fixture.h $(UNIT_FIXTURE) $(BUILD)/libbreachd.a | $(BUILD)
	@mkdir -p $(BUILD)/tests
	$(CC) $(ALL_CFLAGS) -Itests/unit -o $@ $< $(UNIT_FIXTURE) $(BUILD)/libbreachd.a $(LDFLAGS) $(LIBS)

$(BUILD):
	mkdir -p $(BUILD)

# The test build: the same sources with BREACHD_TESTING, which lets tests
# set the clock (util.c: now_utc).  Production binaries never have it.
TBUILD   = $(BUILD)/testing
TLIB_OBJ = $(LIB_SRC:src/%.c=$(TBUILD)/%.o) $(BUILD)/templates_builtin.o

$(TBUILD)/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (testing)"
	@$(CC) $(ALL_CFLAGS) -DBREACHD_TESTING -MMD -MP -c $< -o $@

$(TBUILD)/libbreachd.a: $(TLIB_OBJ)
	@rm -f $@ && ar rcs $@ $^

$(TBUILD)/breachd: $(TBUILD)/daemon/breachd.o $(TBUILD)/libbreachd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

$(TBUILD)/breachctl: $(TBUILD)/ctl/breachctl.o $(TBUILD)/libbreachd.a
	$(CC) $(LDFLAGS) -o $@ $^ $(LIBS)

testing: $(TBUILD)/breachd $(TBUILD)/breachctl

$(LIB_OBJ) $(TLIB_OBJ) $(BUILD)/daemon/breachd.o $(BUILD)/ctl/breachctl.o $(TBUILD)/daemon/breachd.o $(TBUILD)/ctl/breachctl.o \
$(UNIT_BIN) $(UNIT_FIXTURE): $(BUILD)/.flags

unit: $(UNIT_BIN)

# check and demo install what they need first: both must work on a fresh
# Debian 12 machine with nothing run before them.
check: deps
	@$(MAKE) --no-print-directory all unit testing
	@bash tests/run.sh

deps:
	@bash scripts/deps.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@bash scripts/demo.sh

# Like check: installs what it needs first (mbsync, GNU time, the servers).
bench: deps
	@$(MAKE) --no-print-directory all
	@bash tests/bench/run.sh

# Fuzzing (tests/fuzz, docs/FUZZING.md): one libFuzzer harness per reader
# of outside input (FUZZ_HARNESSES), every source built with clang,
# libFuzzer, ASan and UBSan.  `make fuzz` runs each for FUZZ_SECONDS, one
# after the other, or only FUZZ_TARGET (a name of FUZZ_HARNESSES, or
# several); make check replays tests/fuzz/regressions and fuzzes briefly
# when clang is installed (tests/e2e/test_fuzz.sh).
FUZZ_SECONDS ?= 300
FUZZ_TARGET ?=
FUZZ_HARNESSES = message decision followup config breachlog docx
FUZZ_CC  ?= clang
FBUILD    = $(BUILD)/fuzz
FUZZ_FLAGS = -std=c17 -D_GNU_SOURCE -g -O1 -fno-omit-frame-pointer \
             -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
             -Isrc $(PKG_CFLAGS) -DSYSCONFDIR='"$(SYSCONFDIR)"' -DDATADIR='"$(DATADIR)"'
FLIB_OBJ  = $(LIB_SRC:src/%.c=$(FBUILD)/%.o) $(FBUILD)/templates_builtin.o
FUZZ_BIN  = $(FUZZ_HARNESSES:%=$(FBUILD)/fuzz_%)

$(FBUILD)/%.o: src/%.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (fuzz)"
	@$(FUZZ_CC) $(FUZZ_FLAGS) -MMD -MP -c $< -o $@

$(FBUILD)/templates_builtin.o: $(BUILD)/templates_builtin.c
	@mkdir -p $(FBUILD)
	@$(FUZZ_CC) $(FUZZ_FLAGS) -c $< -o $@

$(FBUILD)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz_common.h $(FLIB_OBJ)
	@echo "  LD      $@"
	@$(FUZZ_CC) $(FUZZ_FLAGS) -fsanitize=fuzzer -o $@ $< $(FLIB_OBJ) $(LIBS)

fuzz-build: $(FUZZ_BIN)

# The replay of every harness's regressions and seeds in make check, with
# the normal compiler (tests/unit/test_fuzz_replay.c includes the harnesses).
$(BUILD)/tests/test_fuzz_replay: $(wildcard tests/fuzz/*.c tests/fuzz/*.h)

fuzz: deps
	@$(MAKE) --no-print-directory fuzz-build
	@FUZZ_TARGET="$(FUZZ_TARGET)" bash tests/fuzz/run.sh $(FUZZ_SECONDS)

# The kill test at full size; make check runs a bounded one
# (tests/e2e/test_kill.sh).
stress: deps
	@$(MAKE) --no-print-directory all
	@bash tests/stress/kill_test.sh

# Every end-to-end suite again on a PostgreSQL register (E2E_REGISTER=
# postgresql: each suite starts a private PostgreSQL 15, tests/lib/pg.sh),
# but those with no register in them and the wrappers make check runs on
# PostgreSQL already.  Not part of make check (it would double its e2e
# time): .ci/run runs it after.
PG_SKIP = test_fuzz test_harness test_install test_systemd
check-pg: deps
	@$(MAKE) --no-print-directory all testing
	@E2E_REGISTER=postgresql bash tests/run.sh $$(ls tests/e2e/test_*.sh | grep -v -e '_pg\.sh$$' -e '/test_pg_' \
		$(foreach t,$(PG_SKIP),-e '/$(t)\.sh$$'))

.PHONY: check-pg

# The installed service under a real systemd (PID 1): a Debian 12 booted in
# a systemd-nspawn container, with its own Dovecot and Postfix on loopback
# ports (tests/system/test_system.sh).  Not part of make check: it needs
# root, and the Debian mirror once (the container's tree is then cached in
# /var/cache/breachd-test, ~2-4 min to build).  The binaries installed into
# the container are the plain build, never the sanitized one.
check-system: deps
	@$(MAKE) --no-print-directory all SANITIZE=
	@bash tests/system/test_system.sh

.PHONY: check-system

install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(SYSCONFDIR)/breachd/templates
	install -m 0755 breachd $(DESTDIR)$(SBINDIR)/breachd
	install -m 0755 breachctl $(DESTDIR)$(BINDIR)/breachctl
	test -e $(DESTDIR)$(SYSCONFDIR)/breachd/breachd.conf || \
	  install -m 0640 conf/breachd.conf $(DESTDIR)$(SYSCONFDIR)/breachd/breachd.conf
	for t in conf/templates/*; do \
	  test -e $(DESTDIR)$(SYSCONFDIR)/breachd/templates/$${t##*/} || \
	    install -m 0644 $$t $(DESTDIR)$(SYSCONFDIR)/breachd/templates/; done
	install -d $(DESTDIR)$(DATADIR)/templates
	install -m 0644 conf/templates/* $(DESTDIR)$(DATADIR)/templates/
	install -m 0644 conf/organisations.d/example-school.conf.sample $(DESTDIR)$(DATADIR)/
	install -d $(DESTDIR)$(UNITDIR)
	for u in systemd/*.service; do \
	  sed -e 's|/usr/sbin/breachd|$(SBINDIR)/breachd|g' -e 's|/etc/breachd|$(SYSCONFDIR)/breachd|g' $$u \
	    >$(DESTDIR)$(UNITDIR)/$${u##*/} && chmod 0644 $(DESTDIR)$(UNITDIR)/$${u##*/}; done
	if [ -f systemd/breachd.sysusers ]; then install -d $(DESTDIR)$(SYSUSERSDIR) && \
	  install -m 0644 systemd/breachd.sysusers $(DESTDIR)$(SYSUSERSDIR)/breachd.conf; fi
	if [ -f systemd/breachd.tmpfiles ]; then install -d $(DESTDIR)$(TMPFILESDIR) && \
	  install -m 0644 systemd/breachd.tmpfiles $(DESTDIR)$(TMPFILESDIR)/breachd.conf; fi
	for m in docs/*.[1-8]; do [ -e "$$m" ] || continue; s=$${m##*.}; \
	  install -d $(DESTDIR)$(MANDIR)/man$$s && install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done

clean:
	rm -rf $(BUILD) breachd breachctl

.PHONY: all unit testing check deps demo bench install clean fuzz fuzz-build stress

-include $(LIB_OBJ:.o=.d) $(BUILD)/daemon/breachd.d $(BUILD)/ctl/breachctl.d $(TLIB_OBJ:.o=.d) $(UNIT_FIXTURE:.o=.d)
-include $(FLIB_OBJ:.o=.d)
