# Soak (issue 12): the real `podcap controller` binary under a random workload on 50
# network-namespace Pods (Tests/ControllerTests/Soak, docs/reliability.md "Soak"). Included by the
# top-level Makefile, which defines SWIFT, ENVTEST and deps.
#
#   soak      $(SOAK_SECONDS) s (default 1800)
#   soak-ci   $(SOAK_CI_SECONDS) s (default 180): what `make test` runs, after the main suite
#
# PODCAP_SOAK_SEED=<seed> replays a run's operations (every run prints its seed). The suite is
# disabled without PODCAP_SOAK_SECONDS, so the main `swift test` never runs it; the build is the
# main suite's (a no-op when it is current).

SOAK_SECONDS ?= 1800
SOAK_CI_SECONDS ?= 180

.PHONY: soak soak-ci

# $(call soak_run,seconds)
define soak_run
	@if [ -x "$(ENVTEST)" ]; then export PODCAP_ENVTEST="$(ENVTEST)"; \
	else echo "note: $(ENVTEST) not found; the soak runs against KubeSim"; fi; \
	$(SWIFT) build --build-tests && PODCAP_SOAK_SECONDS=$(1) $(SWIFT) test --skip-build --filter SoakTests
endef

soak: deps
	$(call soak_run,$(SOAK_SECONDS))

soak-ci: deps
	$(call soak_run,$(SOAK_CI_SECONDS))

# Part of `make test`, after the suites the Makefile and mk/reliability.mk list.
test: soak-ci
