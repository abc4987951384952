# ann: small Unix filters for LLM-assisted annotation of business documents.
#
# Every cmd/ann-*.c becomes bin/ann-*, every lib/*.c goes into build/libann.a,
# and every tests/unit/test_*.c becomes a unit-test program, so adding a
# source file needs no edit here.

PREFIX  ?= /usr/local
BINDIR  ?= $(PREFIX)/bin
MANDIR  ?= $(PREFIX)/share/man
DATADIR ?= $(PREFIX)/share/ann

CC      ?= cc
VERSION := $(shell cat VERSION)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wpointer-arith -Wformat=2 -Wvla
HARDEN  := -fstack-protector-strong -fPIE -D_FORTIFY_SOURCE=2
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
             -DANN_VERSION='"$(VERSION)"' -DANN_DATADIR='"$(DATADIR)"' \
             -Ilib -Icmd $(WARN) $(HARDEN) $(CFLAGS) $(EXTRA_CFLAGS)
LDFLAGS ?= -pie -Wl,-z,relro,-z,now
LDLIBS  := -lcjson -lcurl -lcrypto -lpcre2-8 -lmicrohttpd -lutf8proc -lpthread -lm

# Debian packages the build and the tests need (checked by tests/deps.sh).
# parallel, rsync and openssh-server serve the fan-out tests (tests/fanout.bats).
DEB_PACKAGES := build-essential pkg-config libcjson-dev libcurl4-openssl-dev \
                libssl-dev libpcre2-dev libmicrohttpd-dev bats clang \
                libclang-rt-14-dev libutf8proc-dev jq parallel rsync openssh-server \
                strace

# Build output goes to a directory of its own, so the sanitizer build
# (build-asan/, bin-asan/) never mixes objects with the normal one.
B       ?= build
BIN     ?= bin

LIB_SRC  := $(sort $(wildcard lib/*.c))
CMD_SRC  := $(filter-out cmd/common.c,$(sort $(wildcard cmd/*.c)))
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))

# Default templates from share/, built into the library (tools/embed.sh).
GEN_OBJ  := $(B)/gen/feedback.o $(B)/gen/prompt_templates.o
LIB_OBJ  := $(LIB_SRC:%.c=$(B)/%.o) $(GEN_OBJ)
CMDS     := $(CMD_SRC:cmd/%.c=$(BIN)/%)
UNITS    := $(UNIT_SRC:tests/unit/%.c=$(B)/unit/%)
TOOLS    := $(TOOL_SRC:tests/tools/%.c=$(B)/tools/%)

.SECONDARY:

.PHONY: all deps check test unit bats asan fuzz bench install clean demo print-cflags

all: $(CMDS) $(UNITS) $(TOOLS)

$(B)/%.o: %.c lib/*.h cmd/common.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/gen/feedback.c: share/feedback/en.mustache share/feedback/ja.mustache tools/embed.sh
	@mkdir -p $(dir $@)
	sh tools/embed.sh ann_reask_feedback_en share/feedback/en.mustache \
	    ann_reask_feedback_ja share/feedback/ja.mustache >$@

$(B)/gen/prompt_templates.c: share/templates/default.en.tmpl \
    share/templates/default.ja.tmpl tools/embed.sh
	@mkdir -p $(dir $@)
	sh tools/embed.sh ann_prompt_template_en share/templates/default.en.tmpl \
	    ann_prompt_template_ja share/templates/default.ja.tmpl >$@

$(B)/gen/%.o: $(B)/gen/%.c
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(B)/libann.a: $(LIB_OBJ)
	@rm -f $@
	$(AR) rcs $@ $^

$(BIN)/%: $(B)/cmd/%.o $(B)/cmd/common.o $(B)/libann.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/unit/%: $(B)/tests/unit/%.o $(B)/tests/unit/harness.o $(B)/libann.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tools/%: $(B)/tests/tools/%.o $(B)/cmd/common.o $(B)/libann.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(B)/tests/unit/%.o: tests/unit/%.c tests/unit/harness.h lib/*.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Itests/unit -c -o $@ $<

deps:
	@sh tests/deps.sh $(DEB_PACKAGES)

# The one test command: install what is missing, build, run every test.
check: deps
	@$(MAKE) --no-print-directory -j2 all
	@B=$(B) BIN=$(BIN) sh tests/run.sh

test: all
	@B=$(B) BIN=$(BIN) sh tests/run.sh

# AddressSanitizer and UndefinedBehaviorSanitizer over the whole suite.
# Recovery is off, so the first report fails the test that caused it.
ASAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer
asan: deps
	@$(MAKE) --no-print-directory all B=build-asan BIN=bin-asan \
	    CFLAGS="$(ASAN_FLAGS)" LDFLAGS="-fsanitize=address,undefined"
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	 B=build-asan BIN=bin-asan sh tests/run.sh

# libFuzzer harnesses, one per parser entry point; FUZZ_SECONDS per harness.
FUZZ_SECONDS ?= 600
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
fuzz: deps
	@LDLIBS="$(LDLIBS)" sh tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_SRC)

bench: all
	@sh bench/run.sh

# The main job on the example invoices against the local look-alike server.
demo: deps
	@echo "demo: building (make -s: only warnings and errors show)"
	@$(MAKE) --no-print-directory -s -j2 all
	@sh share/examples/demo.sh demo-out

install: all
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man7 \
	    $(DESTDIR)$(DATADIR)/schemas
	install -m 755 $(CMDS) $(DESTDIR)$(BINDIR)/
	for f in doc/*.1; do [ -e "$$f" ] && install -m 644 "$$f" $(DESTDIR)$(MANDIR)/man1/; done; true
	for f in doc/*.7; do [ -e "$$f" ] && install -m 644 "$$f" $(DESTDIR)$(MANDIR)/man7/; done; true
	install -m 644 schemas/*.json $(DESTDIR)$(DATADIR)/schemas/
	cp -R share/. $(DESTDIR)$(DATADIR)/

clean:
	rm -rf build build-asan bin bin-asan build-fuzz

# The compile flags, for tests/suites/compilers.sh.
print-cflags:
	@echo $(ALL_CFLAGS)
