# make install [PREFIX=/usr/local] [DESTDIR=]: the release binary, its man pages and shell completions.
# Needs Swift 6.1+, libcsv-dev and libsqlite3-dev (see README.md).
PREFIX ?= /usr/local
DESTDIR ?=
SWIFT ?= swift
# release for installs; debug reuses a development build (the tests use it).
CONFIGURATION ?= release

BINDIR := $(DESTDIR)$(PREFIX)/bin
MANDIR := $(DESTDIR)$(PREFIX)/share/man/man1
BASHDIR := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ZSHDIR := $(DESTDIR)$(PREFIX)/share/zsh/site-functions
FISHDIR := $(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d
MANOUT := .build/plugins/GenerateManual/outputs/stratopt

.PHONY: build man install uninstall

build:
	$(SWIFT) build -c $(CONFIGURATION) --product stratopt

# ArgumentParser's GenerateManual plugin: one page per command (stratopt.1, stratopt.run.1, …).
man:
	$(SWIFT) package plugin --allow-writing-to-package-directory generate-manual --multi-page --configuration $(CONFIGURATION)

install: build man
	install -d "$(BINDIR)" "$(MANDIR)" "$(BASHDIR)" "$(ZSHDIR)" "$(FISHDIR)"
	install -m 755 "$$($(SWIFT) build -c $(CONFIGURATION) --show-bin-path)/stratopt" "$(BINDIR)/stratopt"
	install -m 644 $(MANOUT)/*.1 "$(MANDIR)/"
	"$(BINDIR)/stratopt" --generate-completion-script bash > "$(BASHDIR)/stratopt"
	"$(BINDIR)/stratopt" --generate-completion-script zsh > "$(ZSHDIR)/_stratopt"
	"$(BINDIR)/stratopt" --generate-completion-script fish > "$(FISHDIR)/stratopt.fish"
	@echo "installed $(BINDIR)/stratopt, man pages in $(MANDIR), completions for bash, zsh and fish"

uninstall:
	rm -f "$(BINDIR)/stratopt" "$(MANDIR)"/stratopt*.1 "$(BASHDIR)/stratopt" "$(ZSHDIR)/_stratopt" \
		"$(FISHDIR)/stratopt.fish"
