"""Shared runner of the lint self-tests: the real repository must pass, every mutation must fail.

Each self-test gives a fresh copy of what its checker reads, the checker's invocation, and its
cases (name, mutation, text the failure must contain); this prints `ok`/`FAIL` per case and the
closing `N passed, N failed` line CI reads.
"""

from __future__ import annotations

import os
import tempfile
from typing import Callable, Sequence

Case = tuple[str, Callable[[str], None], str]


def replace(old: str, new: str, path: str = "Dockerfile") -> Callable[[str], None]:
    """A mutation: the first `old` in `root/path` becomes `new`; a stale case (no `old`) fails loudly."""
    def mutate(root: str) -> None:
        full = os.path.join(root, path)
        with open(full, encoding="utf-8") as handle:
            text = handle.read()
        if old not in text:
            raise AssertionError(f"test is stale: {old!r} not in {path}")
        with open(full, "w", encoding="utf-8") as handle:
            handle.write(text.replace(old, new, 1))
    return mutate


class Verdicts:
    """Prints `ok`/`FAIL` per check and the closing `N passed, N failed` line CI reads."""

    def __init__(self) -> None:
        self.passed = self.failed = 0

    def __call__(self, name: str, ok: bool, detail: str) -> None:
        if ok:
            self.passed += 1
            print(f"ok   {name}")
        else:
            self.failed += 1
            print(f"FAIL {name}\n{detail}")

    def finish(self) -> int:
        """Prints the summary; returns the process exit status (1 if any failed)."""
        print(f"{self.passed} passed, {self.failed} failed")
        return 1 if self.failed else 0


def run_cases(baseline: str, fresh_copy: Callable[[str], str], run: Callable[[str], tuple[int, str]],
              cases: Sequence[Case]) -> int:
    """Runs the baseline and every case; returns the process exit status (1 if any failed)."""
    verdict = Verdicts()
    with tempfile.TemporaryDirectory() as workdir:
        code, out = run(fresh_copy(workdir))
        verdict(baseline, code == 0, out)
        for name, mutate, expected in cases:
            root = fresh_copy(workdir)
            mutate(root)
            code, out = run(root)
            verdict(f"rejects: {name}", code == 1 and expected in out,
                    f"  exit {code}, expected {expected!r} in:\n{out}")
    return verdict.finish()
