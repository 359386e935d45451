# `kubectl podcap`, the workstation plugin (Sources/KubectlPodcap). Included by the top-level Makefile.
#
#   install-plugin  release build of kubectl-podcap (static Swift runtime), installed as
#                   $(PREFIX)/bin/kubectl-podcap, so `kubectl podcap …` finds it on PATH
#   plugin-dist     the krew archive, its sha256 and deploy/krew/podcap.yaml filled in, in
#                   $(PLUGIN_DIST) (PLUGIN_VERSION, PLUGIN_URL say where it will be published)

PREFIX ?= /usr/local
PLUGIN_DIST ?= .build/plugin-dist
PLUGIN_VERSION ?= 0.1.0
PLUGIN_URL ?= https://github.com/podcap/podcap/releases/download/v$(PLUGIN_VERSION)/kubectl-podcap-linux-amd64.tar.gz

.PHONY: plugin-release install-plugin plugin-dist

plugin-release: deps
	$(SWIFT) build -c release --static-swift-stdlib --product kubectl-podcap

install-plugin: plugin-release
	install -D -m 0755 .build/release/kubectl-podcap "$(DESTDIR)$(PREFIX)/bin/kubectl-podcap"
	@echo "installed $(DESTDIR)$(PREFIX)/bin/kubectl-podcap: try kubectl podcap --help"

plugin-dist: plugin-release
	rm -rf "$(PLUGIN_DIST)" && mkdir -p "$(PLUGIN_DIST)/stage"
	cp .build/release/kubectl-podcap README.md "$(PLUGIN_DIST)/stage/"
	tar -C "$(PLUGIN_DIST)/stage" -czf "$(PLUGIN_DIST)/kubectl-podcap-linux-amd64.tar.gz" kubectl-podcap README.md
	sha=$$(sha256sum "$(PLUGIN_DIST)/kubectl-podcap-linux-amd64.tar.gz" | cut -d' ' -f1); \
	sed -e "s|@VERSION@|$(PLUGIN_VERSION)|" -e "s|@URL@|$(PLUGIN_URL)|" -e "s|@SHA256@|$$sha|" \
		deploy/krew/podcap.yaml > "$(PLUGIN_DIST)/podcap.yaml"; \
	echo "$(PLUGIN_DIST)/podcap.yaml: sha256 $$sha"
