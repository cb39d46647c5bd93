# Tally: a plain Makefile.
#   make demo     install what is missing, build, run an example plan
#   make test     install what is missing, build, run every test
#   make san      the test suite built with AddressSanitizer + UBSan (gcc, clang)
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
# One per tests/fuzz/fuzz_T.c; `make fuzz FUZZ_TARGETS=run` fuzzes one.
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(wildcard tests/fuzz/fuzz_*.c))
REPLAY_BIN := $(FUZZ_TARGETS:%=$(BUILD)/fuzz/replay_%)
# What fuzz targets drive besides libtally (under obj/ of a build): the REPL,
# which lives in cli/.
FUZZ_OBJ := cli/repl.o
# clang and its sanitizer runtimes, for `make san` and `make fuzz`.
CLANG_DEPS := clang libclang-rt-14-dev
FUZZ_SECONDS ?= 60

LIBS    := -lsqlite3 -ledit -lm -pthread
TALLY   := $(BUILD)/tally
# The tally command is linked statically (STATIC=1, the default): a run maps
# no shared library, so it starts sooner and keeps 1.5 MB less in memory
# (doc/performance.md).  The static link needs the libraries under libedit
# too.  glibc warns that libedit's user-name lookups (~user in REPL file
# completion, the history file's home) and SQLite's extension loading, which
# Tally never asks for, need glibc's own shared modules at run time: the ones
# of the glibc it was built with, on the machine it was built on.  Those
# warnings alone are filtered out.  STATIC=0 links against the shared
# libraries, as the sanitizer and valgrind builds must.
STATIC  ?= 1
STATIC_LIBS := -static -lsqlite3 -ledit -ltinfo -lbsd -lmd -lm -pthread
GLIBC_STATIC_WARNING := requires at runtime the shared libraries from the glibc version|lib(edit|sqlite3)\.a\([a-z0-9_]+\.o\): in function

.PHONY: all deps demo test check-only san valgrind bench bench-check fuzz install clean
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

LINK_TALLY = $(CC) $(ALL_CFLAGS) $(XLDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libtally.a
$(TALLY): $(CLI_OBJ) $(BUILD)/libtally.a
ifeq ($(STATIC),1)
	@echo "$(LINK_TALLY) $(STATIC_LIBS)"
	@$(LINK_TALLY) $(STATIC_LIBS) 2>$@.log; rc=$$?; \
	  grep -Ev '$(GLIBC_STATIC_WARNING)' $@.log >&2; rm -f $@.log; exit $$rc
else
	$(LINK_TALLY) $(LIBS)
endif

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/libtally.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(XLDFLAGS) -o $@ $< $(BUILD)/libtally.a -lcmocka $(LIBS)

# Fuzz targets double as replay programs for the regression inputs.
$(BUILD)/fuzz/replay_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(BUILD)/obj/$(FUZZ_OBJ) \
                        $(BUILD)/libtally.a
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(XLDFLAGS) -o $@ $< tests/fuzz/replay.c $(BUILD)/obj/$(FUZZ_OBJ) \
	  $(BUILD)/libtally.a $(LIBS)

demo: deps
	@$(MAKE) --no-print-directory all
	@echo "== tally run examples/enterprise-ae/plan.tally --data examples/enterprise-ae/data --format table"
	@$(TALLY) run examples/enterprise-ae/plan.tally --data examples/enterprise-ae/data --format table

# The suite itself, without the dependency check (used by `test` and `san`).
check-only: $(TALLY) $(UNIT_BIN) $(REPLAY_BIN)
	@BUILD=$(BUILD) sh tests/run

test: deps
	@$(MAKE) --no-print-directory check-only

# The suite under AddressSanitizer and UBSan, built by gcc into build-san/
# and by clang into build-san-clang/: each compiler's UBSan checks things the
# other's does not (clang's reports NULL + 0, which gcc's let through on
# nearly every run until cb9d4c1).
SAN := STATIC=0 CFLAGS="-O1 -g" \
  XFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer" \
  XLDFLAGS="-fsanitize=address,undefined"
san: deps
	@sh .ci/deps $(CLANG_DEPS)
	@echo "== the suite under gcc's sanitizers (build-san/)"
	@$(MAKE) --no-print-directory BUILD=build-san $(SAN) check-only
	@echo "== the suite under clang's sanitizers (build-san-clang/)"
	@$(MAKE) --no-print-directory BUILD=build-san-clang CC=clang $(SAN) check-only

# The shipped binary's code under valgrind's memcheck (tests/valgrind.sh),
# linked against the shared libraries: memcheck sees a static binary's heap
# only through its own malloc, which a static link does not let it replace.
valgrind: deps
	@sh .ci/deps valgrind
	@$(MAKE) --no-print-directory BUILD=build-vg STATIC=0 all build-vg/tests/test_ledger
	@BUILD=build-vg sh tests/valgrind.sh

# libFuzzer: FUZZ_SECONDS per target (default 60), from the top folder (the
# repl target opens the plans and ledgers of tests/repl/ by their paths).
# A target's seeds are tests/fuzz/seed-T/, or what tests/fuzz/seeds_T.sh
# writes into build-fuzz/seed-T/.  The corpus grows in build-fuzz/; a
# crashing input lands in tests/fuzz/regress-T/, where `make test` replays it
# from then on.
fuzz:
	@sh .ci/deps $(CLANG_DEPS)
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang CFLAGS="-O1 -g" \
	  XFLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all" \
	  build-fuzz/libtally.a build-fuzz/obj/$(FUZZ_OBJ)
	@for t in $(FUZZ_TARGETS); do \
	  clang -std=gnu11 -I. -Ibuild-fuzz/gen -g -O1 -fsanitize=fuzzer,address,undefined \
	    -o build-fuzz/fuzz_$$t tests/fuzz/fuzz_$$t.c build-fuzz/obj/$(FUZZ_OBJ) \
	    build-fuzz/libtally.a $(LIBS) || exit 1; \
	  mkdir -p build-fuzz/corpus-$$t tests/fuzz/regress-$$t; \
	  seeds=tests/fuzz/seed-$$t; \
	  if [ -f tests/fuzz/seeds_$$t.sh ]; then \
	    seeds=build-fuzz/seed-$$t; sh tests/fuzz/seeds_$$t.sh $$seeds || exit 1; fi; \
	  echo "== fuzzing $$t for $(FUZZ_SECONDS) s"; \
	  build-fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=tests/fuzz/regress-$$t/ build-fuzz/corpus-$$t $$seeds \
	    2>&1 | grep -E '^(#|==|stat::number_of_executed_units|stat::peak_rss|.*ERROR)' | tail -4 || exit 1; \
	done

install: $(TALLY)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(TALLY) $(DESTDIR)$(PREFIX)/bin/tally
	install -m 644 doc/tally.1 $(DESTDIR)$(PREFIX)/share/man/man1/tally.1

clean:
	rm -rf build build-san build-san-clang build-vg build-fuzz

-include $(wildcard $(BUILD)/obj/*/*.d $(BUILD)/obj/gen/*.d)

# Benchmarks (tests/bench/bench.py): Tally against pandas, SQLite and `wc -l`
# on generated ledgers cached in $(BUILD)/bench/, payouts checked equal.
#   make bench [SIZES="100000 1000000 10000000"] [DEALS=N] [PAYEES=M] [RUNS=3]
#              [BASELINE_MAX=N: pandas and SQLite only up to N deals; empty: all sizes]
#              [SCALING=0: skip Tally at twice each size]
SIZES        ?= 100000 1000000 10000000
PAYEES       ?= 10000
RUNS         ?= 3
BASELINE_MAX ?= 1000000
SCALING      ?= 1
bench:
	@sh .ci/deps python3-pandas time
	@$(MAKE) --no-print-directory all
	@/usr/bin/python3 tests/bench/bench.py --tally $(TALLY) --sizes "$(or $(DEALS),$(SIZES))" \
	  --payees $(PAYEES) --runs $(RUNS) --baseline-max "$(BASELINE_MAX)" --scaling $(SCALING) \
	  --cache $(BUILD)/bench

# The benchmark's cross-check alone, for CI: pandas and SQLite must compute the
# payouts Tally does on a small generated ledger (splits, fx, cancellations,
# draws).  One run; the times it prints are not checked.
bench-check:
	@$(MAKE) --no-print-directory bench DEALS=20000 PAYEES=300 RUNS=1 SCALING=0
