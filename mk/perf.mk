# Performance guard and benchmarks (issue 11). Included at the end of the Makefile.

.PHONY: check-no-icu

# `make test` fails if the shipped binary links full Foundation (ICU data, ~34 MB of the static
# binary, ~30 MB of every node's RSS). Checks the debug podcap that test-swift built (its
# DT_NEEDED list); `make bench` runs the same script on the static release binary (symbols).
test: check-no-icu
check-no-icu: test-swift
	@scripts/check-no-icu.sh $(BIN)/podcap
