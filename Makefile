# podcap: `make demo` runs a real capture on this machine; `make test` runs every test.
# Both install what they need (Debian packages) when run as root on a fresh machine.

SWIFT ?= $(shell command -v swift 2>/dev/null || echo /opt/swift/usr/bin/swift)
ENVTEST ?= $(abspath $(CURDIR)/../shared/envtest/start.sh)
BIN := .build/debug
APT_PACKAGES := tcpdump libpcap-dev iproute2 util-linux etcd-server etcd-client curl openssl xz-utils python3 pkg-config libyaml-dev

include mk/deploy.mk
include mk/node.mk

.PHONY: all deps build test test-swift demo demo-deliverables bench clean

all: build

# Installs only what is missing, so a prepared machine pays nothing.
deps:
	@missing=""; for p in $(APT_PACKAGES); do \
		dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" -ne 0 ]; then echo "missing Debian packages:$$missing (run as root, or apt-get install them)"; exit 1; fi; \
		echo "installing$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

build: deps
	$(SWIFT) build

# The real-apiserver tier runs when ../shared/envtest exists (PODCAP_ENVTEST names its start script);
# the real-node end-to-end test (mk/node.mk) when ../shared/realnode exists.
test: deps lint test-swift test-e2e-node

test-swift: deps
	@if [ -x "$(ENVTEST)" ]; then export PODCAP_ENVTEST="$(ENVTEST)"; \
	else echo "note: $(ENVTEST) not found; real kube-apiserver tests will be skipped"; fi; \
	$(SWIFT) build --build-tests && $(SWIFT) test --skip-build

demo: build
	$(BIN)/podcap demo

# Release, as shipped (static stdlib): one table, bench/results.json, see docs/performance.md.
bench: deps
	$(SWIFT) build -c release --static-swift-stdlib --product podcap
	$(SWIFT) build -c release --static-swift-stdlib --product podcap-bench
	scripts/check-no-icu.sh .build/release/podcap
	.build/release/podcap-bench decode reconcile pidscan overhead loss memory --envtest $(ENVTEST) --busy 100 \
		latency --envtest $(ENVTEST) --repetitions 30 --no-kubesim --results bench/results.json

# `make deliverables` (mk/node.mk) writes deliverables/ from the real-node e2e; the KubeSim demo's
# own record goes beside it.
demo-deliverables: build
	@mkdir -p deliverables/demo
	@$(BIN)/podcap demo --deliverables deliverables/demo > deliverables/demo/demo-output.txt; \
		status=$$?; cat deliverables/demo/demo-output.txt; exit $$status

clean:
	rm -rf .build .build-*

include mk/perf.mk
include mk/plugin.mk
include mk/reliability.mk
include mk/soak.mk
