# Real-node targets: the image without Docker, and the end-to-end test on a real Kubernetes node
# (../shared/realnode: kube-apiserver, kubelet, containerd, … v1.20.2 on this machine).
# Included by the top-level Makefile, which defines SWIFT and deps.
#
#   node-bin       the static release binary, built once and reused while Sources are unchanged
#   node-image     node-bin, then scripts/node-image.sh: deploy/runtime-programs.txt as a root file
#                  system, imported into the running realnode as $(IMAGE) (archive only if none runs)
#   e2e-node       node-bin, then scripts/e2e-node.sh: start the realnode, the README's quick start
#                  and the restart cases asserted with plain kubectl, stop the realnode
#   test-e2e-node  what `make test` runs: e2e-node, or a line saying why it is skipped
#   deliverables   e2e-node writing deliverables/ (the six files deliverables/README.md lists)

NODE_MK_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)

# The realnode kit; CI checks out shared/ beside the repository.
REALNODE ?= $(abspath $(NODE_MK_ROOT)/../shared/realnode)
# The realnode's state directory for e2e-node (wiped when the test stops it).
REALNODE_STATE ?= /tmp/podcap-e2e-node
IMAGE ?= podcap:dev
DELIVERABLES_DIR ?= $(NODE_MK_ROOT)/deliverables

# The same command as the Dockerfile's build stage. SwiftPM decides what to recompile; make only
# skips invoking it when no source is newer than the binary.
NODE_BIN := $(NODE_MK_ROOT)/.build/release/podcap
NODE_BIN_INPUTS := $(NODE_MK_ROOT)/Package.swift $(wildcard $(NODE_MK_ROOT)/Package.resolved) \
	$(shell find $(NODE_MK_ROOT)/Sources -type f 2>/dev/null)

.PHONY: node-bin plugin-bin node-image e2e-node test-e2e-node deliverables

# kubectl-podcap for the e2e's plugin steps: the debug build `make test` has already made.
PLUGIN_BIN := $(NODE_MK_ROOT)/.build/debug/kubectl-podcap
plugin-bin: deps
	cd "$(NODE_MK_ROOT)" && $(SWIFT) build --product kubectl-podcap

$(NODE_BIN): $(NODE_BIN_INPUTS)
	cd "$(NODE_MK_ROOT)" && $(SWIFT) build -c release --static-swift-stdlib --product podcap
	@touch "$@"

node-bin: deps
	@$(MAKE) --no-print-directory "$(NODE_BIN)"

node-image: node-bin
	PODCAP_BIN="$(NODE_BIN)" REALNODE="$(REALNODE)" IMAGE="$(IMAGE)" bash "$(NODE_MK_ROOT)/scripts/node-image.sh"

e2e-node: node-bin plugin-bin
	@[ -x "$(REALNODE)/start.sh" ] || { echo "e2e-node: no realnode kit at $(REALNODE) (set REALNODE=…)"; exit 1; }
	PODCAP_BIN="$(NODE_BIN)" PLUGIN_BIN="$(PLUGIN_BIN)" REALNODE="$(REALNODE)" REALNODE_STATE="$(REALNODE_STATE)" IMAGE="$(IMAGE)" \
		bash "$(NODE_MK_ROOT)/scripts/e2e-node.sh"

# Part of `make test`: runs e2e-node where it can, and says why not elsewhere.
test-e2e-node:
	@if [ ! -x "$(REALNODE)/start.sh" ]; then \
		echo "note: e2e-node SKIPPED: $(REALNODE)/start.sh not found (the real-node kit, ../shared/realnode; set REALNODE=…)"; \
	elif [ "$$(id -u)" -ne 0 ]; then \
		echo "note: e2e-node SKIPPED: needs root (the realnode creates network devices, iptables rules and cgroups)"; \
	else \
		$(MAKE) --no-print-directory e2e-node; \
	fi

deliverables: node-bin plugin-bin
	@[ -x "$(REALNODE)/start.sh" ] || { echo "deliverables: no realnode kit at $(REALNODE) (set REALNODE=…)"; exit 1; }
	DELIVERABLES="$(DELIVERABLES_DIR)" PODCAP_BIN="$(NODE_BIN)" PLUGIN_BIN="$(PLUGIN_BIN)" REALNODE="$(REALNODE)" \
		REALNODE_STATE="$(REALNODE_STATE)" IMAGE="$(IMAGE)" bash "$(NODE_MK_ROOT)/scripts/e2e-node.sh"
