# onewindow — see README.md. `make run` and `make test` work on a fresh Debian 12 machine.
SHELL := /bin/bash
CC ?= gcc
BUILD ?= build
PKGS := fcgi libmariadb libjwt libcjson libsodium openssl libcurl opencc libpcre2-8 libmagic zlib libjpeg
CFLAGS_BASE := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
               -Wformat=2 -Wno-format-nonliteral -I. -I$(BUILD)/gen
OPT ?= -O2 -g
SAN ?=
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lunistring -lpthread -lm
CFLAGS_ALL = $(CFLAGS_BASE) $(OPT) $(SAN) $(PKG_CFLAGS) $(CFLAGS)
LDFLAGS_ALL = $(SAN) $(LDFLAGS)

CORE_SRC := $(wildcard core/*.c)
API_SRC := $(wildcard api/*.c)
DB_SRC := $(wildcard db/*.c)
HANDLER_SRC := $(wildcard handlers/*.c)
SEARCH_SRC := $(wildcard search/*.c) $(wildcard catalog/*.c)
WORKFLOW_SRC := $(wildcard workflow/*.c)
PUSH_SRC := $(wildcard push/*.c)
AUTH_SRC := $(wildcard auth/*.c) $(wildcard storage/*.c)
LIB_SRC := $(CORE_SRC) $(API_SRC) $(DB_SRC) $(HANDLER_SRC) $(SEARCH_SRC) $(AUTH_SRC) $(WORKFLOW_SRC) $(PUSH_SRC)
EMBEDDED_DATA := data/pinyin/chars.tsv data/pinyin/words.tsv data/synonyms.tsv data/holidays.tsv
LIB_OBJ := $(patsubst %.c,$(BUILD)/obj/%.o,$(LIB_SRC)) $(BUILD)/obj/gen/migrations.o \
           $(BUILD)/obj/gen/embedded_data.o
BINS := $(BUILD)/bin/onewindow-fcgi $(BUILD)/bin/onewindow-admin $(BUILD)/bin/onewindow-pushd
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRC))

.PHONY: all build deps run start stop reload test unit e2e security asan valgrind bench fmt lint clean \
        fuzz fuzz-bins lint-api docs
.PHONY: test-faults test-cluster test-deploy callgrind install

all: build
build: deps-build
	@$(MAKE) --no-print-directory $(BINS)

deps-build:
	@scripts/deps.sh build
deps:
	@scripts/deps.sh test

$(BUILD)/gen/migrations.c: $(wildcard db/migrations/*.sql) scripts/embed-migrations.sh
	@mkdir -p $(@D)
	@echo "  GEN   $@"
	$(Q)scripts/embed-migrations.sh $@ $(sort $(wildcard db/migrations/*.sql))

$(BUILD)/gen/embedded_data.c: $(EMBEDDED_DATA) scripts/embed-text.sh
	@mkdir -p $(@D)
	@echo "  GEN   $@"
	$(Q)scripts/embed-text.sh $@ pinyin_chars_tsv=data/pinyin/chars.tsv \
	    pinyin_words_tsv=data/pinyin/words.tsv synonyms_tsv=data/synonyms.tsv \
	    holidays_tsv=data/holidays.tsv

# V=1 shows the full compiler command lines.
Q := $(if $(V),,@)

$(BUILD)/obj/gen/%.o: $(BUILD)/gen/%.c
	@mkdir -p $(@D)
	@echo "  CC    $<"
	$(Q)$(CC) $(CFLAGS_ALL) -c $< -o $@

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	@echo "  CC    $<"
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -c $< -o $@

$(BUILD)/bin/%: cmd/%.c $(LIB_OBJ)
	@mkdir -p $(@D)
	@echo "  LINK  $@"
	$(Q)$(CC) $(CFLAGS_ALL) $< $(LIB_OBJ) -o $@ $(LDFLAGS_ALL) $(PKG_LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(@D)
	@echo "  LINK  $@"
	$(Q)$(CC) $(CFLAGS_ALL) -MMD -MP -Itests/unit $< $(LIB_OBJ) -o $@ $(LDFLAGS_ALL) $(PKG_LIBS) -lcmocka

.SECONDARY:
-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)

# The developer portal nginx serves at /docs/ (Redoc from the pinned npm tools).
DOCS := build/docs/index.html
docs: $(DOCS)
$(DOCS): api/openapi.yaml docs/organizations.md scripts/build-docs.sh tools/package-lock.json
	@scripts/deps.sh run
	@echo "  DOCS  $@"
	$(Q)scripts/build-docs.sh $(@D)

# The whole stack in the foreground (Ctrl-C stops it); start/stop in the background.
run: build docs
	@scripts/deps.sh run
	@scripts/stack.sh run
start: build docs
	@scripts/deps.sh run
	@scripts/stack.sh start
stop:
	@scripts/stack.sh stop
reload: build
	@scripts/stack.sh reload

# Every test: unit (cmocka), end-to-end (pytest through nginx against MariaDB), then the
# attacker's checklist (tests/security, on a private stack of its own).
test: deps build unit e2e security
unit: $(UNIT_BINS)
	@scripts/run-unit.sh $(UNIT_BINS)
e2e: build docs
	@ONEWINDOW_BIN=$(abspath $(BUILD))/bin scripts/run-e2e.sh $(E2E_ARGS)
security: build
	@ONEWINDOW_BIN=$(abspath $(BUILD))/bin scripts/run-e2e.sh tests/security $(SECURITY_ARGS)
valgrind: $(UNIT_BINS)
	@VALGRIND=1 scripts/run-unit.sh $(UNIT_BINS)
# Leak checks are off for the servers (killed and restarted on purpose); the unit tests
# run under valgrind's leak check instead.
asan: deps
	ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 $(MAKE) BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined -fno-sanitize-recover=undefined" unit e2e security
bench: build
	@scripts/deps.sh bench
	@scripts/bench.sh

# The three programs into $(DESTDIR)$(PREFIX)/bin (README "Deploying").
PREFIX ?= /usr/local
install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/

# Operations (README "Operations"): bounded targets of their own, run by .ci/run. The fault
# test kills workers, MariaDB and pushd under a mobile-app load; the cluster test builds two
# hosts, a front and a primary with a replica in network namespaces (root only).
test-faults: deps build
	@scripts/deps.sh ops
	@timeout -s INT -k 60 900 /usr/bin/python3 -m pytest -q -s -p no:cacheprovider tests/ops/test_faults.py
test-cluster: deps build
	@scripts/deps.sh ops
	@timeout -s INT -k 60 900 /usr/bin/python3 -m pytest -q -s -p no:cacheprovider tests/ops/test_cluster.py
# Instructions per request of the hot routes (valgrind's callgrind: repeatable on a noisy
# machine); see BENCHMARKS.md.
callgrind: build
	@scripts/deps.sh test
	@scripts/callgrind.sh
# deploy/: nginx -t, systemd-analyze verify, logrotate -d, nft -c, promtool (rules, alerts'
# unit tests, a live scrape), the dashboard's queries.
test-deploy: deps build
	@scripts/deps.sh ops
	@timeout -s INT -k 60 600 /usr/bin/python3 -m pytest -q -s -p no:cacheprovider tests/ops/test_deploy.py

# libFuzzer harnesses (tests/fuzz/fuzz_*.c) built with clang, ASan and UBSan, each run for
# FUZZ_SECONDS from the committed seeds (tests/fuzz/corpus/NAME); a crash fails the target
# and leaves its input in build-fuzz/artifacts/.
FUZZ_SECONDS ?= 60
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS = $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRC))
fuzz:
	@scripts/deps.sh fuzz
	@$(MAKE) --no-print-directory BUILD=build-fuzz CC=clang OPT="-O1 -g -fno-omit-frame-pointer" \
	    SAN="-fsanitize=address,undefined,fuzzer-no-link -fno-sanitize-recover=undefined" fuzz-bins
	@scripts/run-fuzz.sh build-fuzz $(FUZZ_SECONDS)
fuzz-bins: $(FUZZ_BINS)
$(BUILD)/fuzz/%: tests/fuzz/%.c $(LIB_OBJ)
	@mkdir -p $(@D)
	@echo "  LINK  $@"
	$(Q)$(CC) $(CFLAGS_ALL) -fsanitize=fuzzer $< $(LIB_OBJ) -o $@ $(LDFLAGS_ALL) $(PKG_LIBS)

FMT_FILES = $(LIB_SRC) cmd/*.c tests/unit/*.c tests/fuzz/*.c $(wildcard */*.h tests/unit/*.h)
fmt:
	clang-format -i $(FMT_FILES)
# Formatting, cppcheck, and the include order of the layers (README, "Layers").
lint:
	@scripts/deps.sh lint
	@echo "  FMT   clang-format --dry-run"
	$(Q)clang-format --dry-run --Werror $(FMT_FILES)
	@echo "  CHECK cppcheck"
	$(Q)cppcheck --quiet --error-exitcode=1 --enable=warning,portability --std=c11 \
	    --suppress=missingIncludeSystem -I. $(LIB_SRC) cmd/*.c
	@echo "  CHECK scripts/check-layers.py"
	$(Q)/usr/bin/python3 scripts/check-layers.py
	@$(MAKE) --no-print-directory lint-api
# api/openapi.yaml under Redocly and Spectral (pinned in tools/package.json), no warning left.
lint-api:
	@[ -x tools/node_modules/.bin/redocly ] || npm ci --prefix tools --no-audit --no-fund >/dev/null
	@echo "  CHECK redocly lint api/openapi.yaml"
	$(Q)NO_UPDATE_NOTIFIER=1 tools/node_modules/.bin/redocly lint --config api/redocly.yaml \
	    --max-problems 50 api/openapi.yaml 2>&1 | grep -v -e '^ *[║╔╚]' -e '^$$'; \
	    exit $${PIPESTATUS[0]}
	@echo "  CHECK spectral lint api/openapi.yaml"
	$(Q)tools/node_modules/.bin/spectral lint --ruleset api/spectral.yaml --fail-severity=warn \
	    --quiet api/openapi.yaml

clean:
	rm -rf build build-asan
