"""Shared runner of the lint self-tests: the real repository must pass, every mutation must fail.

Each self-test gives a fresh copy of what its checker reads, the checker's invocation, and its
cases (name, mutation, text the failure must contain); this prints `ok`/`FAIL` per case and the
closing `N passed, N failed` line CI reads.
"""

from __future__ import annotations

import tempfile
from typing import Callable, Sequence

Case = tuple[str, Callable[[str], None], str]


def run_cases(baseline: str, fresh_copy: Callable[[str], str], run: Callable[[str], tuple[int, str]],
              cases: Sequence[Case]) -> int:
    """Runs the baseline and every case; returns the process exit status (1 if any failed)."""
    passed = failed = 0
    with tempfile.TemporaryDirectory() as workdir:
        code, out = run(fresh_copy(workdir))
        results = [(baseline, code == 0, out)]
        for name, mutate, expected in cases:
            root = fresh_copy(workdir)
            mutate(root)
            code, out = run(root)
            results.append((f"rejects: {name}", code == 1 and expected in out,
                            f"  exit {code}, expected {expected!r} in:\n{out}"))
    for name, ok, detail in results:
        if ok:
            passed += 1
            print(f"ok   {name}")
        else:
            failed += 1
            print(f"FAIL {name}\n{detail}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0
