# gpipe — plain make. `make` builds ./gpipe; `make check` installs what is
# missing (as root on Debian), builds, and runs every test twice: on the
# release build and on an AddressSanitizer + UBSan build.

VERSION    := 0.1.0
PREFIX     ?= /usr/local
DESTDIR    ?=
BINDIR     := $(PREFIX)/bin
MANDIR     := $(PREFIX)/share/man/man1
BASHCOMPDIR := $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  := $(PREFIX)/share/zsh/site-functions
FISHCOMPDIR := $(PREFIX)/share/fish/vendor_completions.d

CC         ?= cc
PKG_CONFIG ?= pkg-config
PKGS       := libpcre2-8 zlib libarchive liblzma libzstd liblz4
# ISA-L's igzip inflates gzip 2-3x faster than zlib; zlib is the fallback.
ifeq ($(shell $(PKG_CONFIG) --exists libisal 2>/dev/null && echo yes),yes)
PKGS       += libisal
ISAL_FLAG  := -DGP_HAVE_ISAL
endif
PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)

CFLAGS     ?= -O2 -g
WARN       := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wno-unused-parameter
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -DGP_VERSION='"$(VERSION)"' $(ISAL_FLAG) $(WARN) $(PKG_CFLAGS) $(CFLAGS) -pthread
# libbz2 is linked by name: Debian 12's libbz2-dev ships no pkg-config file.
LDLIBS     := -Wl,--as-needed $(PKG_LIBS) -lbz2 -pthread

ifeq ($(SANITIZE),1)
BUILD      := build/asan
BIN        := $(BUILD)/gpipe
ALL_CFLAGS += -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS    += -fsanitize=address,undefined
else
BUILD      := build/release
BIN        := gpipe
endif

# Every .c under src/: a new folder needs no edit here.
SRCS := $(sort $(shell find src -name '*.c'))
OBJS := $(SRCS:%.c=$(BUILD)/%.o)
LIB_OBJS := $(filter-out $(BUILD)/src/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%)
TOOLS := $(BUILD)/tools/peakrss
FUZZ_SRCS := $(wildcard fuzz/fuzz_*.c)
REPLAYS := $(FUZZ_SRCS:fuzz/fuzz_%.c=$(BUILD)/replay/%)

.PHONY: all deps demo check test unit bench fuzz install uninstall clean docs fuzz-flags

all: $(BIN) $(UNIT_BINS) $(TOOLS) $(REPLAYS)

$(BIN): $(OBJS)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $(OBJS) $(LDLIBS)

# Objects depend on the flags they were built with, so a change of flags
# (ISA-L found by `make deps`, say) rebuilds them.
FLAGS_TEXT := $(subst ',,$(ALL_CFLAGS) $(LDFLAGS) $(LDLIBS))
$(BUILD)/flags: FORCE
	@mkdir -p $(BUILD)
	@echo '$(FLAGS_TEXT)' | cmp -s - $@ || echo '$(FLAGS_TEXT)' > $@
.PHONY: FORCE

$(BUILD)/%.o: %.c $(BUILD)/flags
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/unit/%: tests/unit/%.c tests/unit/tap.h $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Isrc -o $@ $< $(LIB_OBJS) $(LDLIBS)

# Fuzz targets linked with a plain driver: check replays their seed corpus.
$(BUILD)/replay/%: fuzz/fuzz_%.c fuzz/replay.c $(LIB_OBJS)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -Isrc -o $@ $< fuzz/replay.c $(LIB_OBJS) $(LDLIBS)

$(BUILD)/tools/%: tests/tools/%.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $<

-include $(OBJS:.o=.d)

# Installs the build and test dependencies with apt-get when root; otherwise
# says which packages are missing.
deps:
	@sh tools/deps.sh

demo: deps
	@$(MAKE) --no-print-directory all
	@sh examples/demo.sh ./gpipe examples/app.log

# Every test, on the release build and then on the sanitizer build.
check: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory SANITIZE=1 all
	@bash tests/run.sh

# Tests on whatever is built, without the sanitizer pass (faster loop).
test: all
	@GPIPE_SKIP_ASAN=1 bash tests/run.sh

bench: all
	@bash bench/run.sh

fuzz:
	@sh fuzz/run.sh

# What fuzz/run.sh compiles and links with besides clang's own flags, so the
# libraries are named once, here.
fuzz-flags:
	@echo '$(ISAL_FLAG) $(PKG_CFLAGS)'
	@echo '$(PKG_LIBS) -lbz2 -pthread'

# man/gpipe.1 and completions/ are made from the registry by the binary;
# tests/bats/docs.bats fails if the committed copies drift.
docs: $(BIN)
	./$(BIN) --dump-man > man/gpipe.1
	./$(BIN) --dump-completion bash > completions/gpipe.bash
	./$(BIN) --dump-completion zsh > completions/_gpipe
	./$(BIN) --dump-completion fish > completions/gpipe.fish

install: $(BIN)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR) $(DESTDIR)$(BASHCOMPDIR) \
		$(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	install -m 755 $(BIN) $(DESTDIR)$(BINDIR)/gpipe
	install -m 644 man/gpipe.1 $(DESTDIR)$(MANDIR)/gpipe.1
	install -m 644 completions/gpipe.bash $(DESTDIR)$(BASHCOMPDIR)/gpipe
	install -m 644 completions/_gpipe $(DESTDIR)$(ZSHCOMPDIR)/_gpipe
	install -m 644 completions/gpipe.fish $(DESTDIR)$(FISHCOMPDIR)/gpipe.fish

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/gpipe $(DESTDIR)$(MANDIR)/gpipe.1 \
		$(DESTDIR)$(BASHCOMPDIR)/gpipe $(DESTDIR)$(ZSHCOMPDIR)/_gpipe \
		$(DESTDIR)$(FISHCOMPDIR)/gpipe.fish

clean:
	rm -rf build gpipe
