# Tally: a plain Makefile.
#   make demo     install what is missing, build, run an example plan
#   make test     install what is missing, build, run every test
#   make san      the test suite built with AddressSanitizer + UBSan
#   make bench    benchmarks (figures, ratios against baselines)
#   make fuzz     libFuzzer targets (FUZZ_SECONDS per target, default 60)
#   make install PREFIX=/usr/local

PREFIX  ?= /usr/local
BUILD   ?= build
CC      ?= cc
# Extra flags for a variant build (sanitizers), kept apart from CFLAGS so a
# user's CFLAGS never drops the warnings.
XFLAGS  ?=
XLDFLAGS ?=
WARN    := -Wall -Wextra -Werror -Wno-unused-parameter
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=gnu11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) $(CFLAGS) $(XFLAGS) \
             -I. -I$(BUILD)/gen
VERSION := 0.1.0

LIB_SRC := $(wildcard lang/*.c runtime/*.c stdlib/*.c)
GEN_SRC := $(BUILD)/gen/parser.c $(BUILD)/gen/lexer.c
LIB_OBJ := $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(GEN_SRC:$(BUILD)/gen/%.c=$(BUILD)/obj/gen/%.o)
CLI_SRC := $(wildcard cli/*.c)
CLI_OBJ := $(CLI_SRC:%.c=$(BUILD)/obj/%.o)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

LIBS    := -lsqlite3 -ledit -lm
TALLY   := $(BUILD)/tally

.PHONY: all deps demo test check-only san bench fuzz install clean
all: $(TALLY)

deps:
	@sh .ci/deps

$(BUILD)/gen/parser.c $(BUILD)/gen/parser.h &: lang/parser.y
	@mkdir -p $(BUILD)/gen
	bison -Wall -Werror --defines=$(BUILD)/gen/parser.h -o $(BUILD)/gen/parser.c $<

$(BUILD)/gen/lexer.c $(BUILD)/gen/lexer.h &: lang/lexer.l
	@mkdir -p $(BUILD)/gen
	flex --header-file=$(BUILD)/gen/lexer.h -o $(BUILD)/gen/lexer.c $<

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c $(BUILD)/gen/parser.h $(BUILD)/gen/lexer.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-unused-function -Wno-sign-compare -MMD -MP -c -o $@ $<

$(BUILD)/obj/%.o: %.c | $(BUILD)/gen/parser.h $(BUILD)/gen/lexer.h
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DTL_VERSION='"$(VERSION)"' -MMD -MP -c -o $@ $<

$(BUILD)/libtally.a: $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(TALLY): $(CLI_OBJ) $(BUILD)/libtally.a
	$(CC) $(ALL_CFLAGS) $(XLDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libtally.a $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libtally.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(XLDFLAGS) -o $@ $< $(BUILD)/libtally.a -lcmocka $(LIBS)

demo: deps
	@$(MAKE) --no-print-directory all
	@echo "== tally run examples/enterprise-ae/plan.tally --data examples/enterprise-ae/data --format table"
	@$(TALLY) run examples/enterprise-ae/plan.tally --data examples/enterprise-ae/data --format table

# The suite itself, without the dependency check (used by `test` and `san`).
check-only: $(TALLY) $(UNIT_BIN)
	@BUILD=$(BUILD) sh tests/run

test: deps
	@$(MAKE) --no-print-directory check-only

san: deps
	@$(MAKE) --no-print-directory BUILD=build-san CFLAGS="-O1 -g" \
	  XFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
	  XLDFLAGS="-fsanitize=address,undefined" check-only

install: $(TALLY)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(TALLY) $(DESTDIR)$(PREFIX)/bin/tally
	install -m 644 doc/tally.1 $(DESTDIR)$(PREFIX)/share/man/man1/tally.1

clean:
	rm -rf build build-san build-fuzz

-include $(wildcard $(BUILD)/obj/*/*.d $(BUILD)/obj/gen/*.d)
