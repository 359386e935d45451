#!/usr/bin/env python3
"""Self-test of scripts/lint-dockerfile.py: the real Dockerfile passes, and each bad variant
(one rule broken in a copy of the repo's Dockerfile, .dockerignore and Sources) is caught.
Prints `N passed, N failed`; exits non-zero on any failure."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from selftest_harness import replace, run_cases  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINTER = os.path.join(REPO, "scripts", "lint-dockerfile.py")


def add_source(text: str) -> Callable[[str], None]:
    def mutate(root: str) -> None:
        with open(os.path.join(root, "Sources", "Extra.swift"), "w", encoding="utf-8") as handle:
            handle.write(text)
    return mutate


CASES: list[tuple[str, Callable[[str], None], str]] = [
    ("latest base", replace("FROM ubuntu:24.04", "FROM ubuntu:latest"), "latest"),
    ("untagged base", replace("FROM ubuntu:24.04", "FROM ubuntu"), "explicit tag"),
    ("other runtime base", replace("FROM ubuntu:24.04", "FROM debian:12"), "expected ubuntu:24.04"),
    ("old swift", replace("FROM swift:6.2-noble", "FROM swift:5.10-jammy"), "swift:6.x-noble"),
    ("tcpdump not installed", replace(" tcpdump libpcap0.8t64", " libpcap0.8t64"), "'tcpdump'"),
    ("util-linux not installed", replace(" util-linux bash", " bash"), "'util-linux'"),
    ("extra package", replace(" bash ca-certificates", " bash ca-certificates curl"), "'curl'"),
    ("recommends", replace("install -y --no-install-recommends tcpdump", "install -y tcpdump"),
     "--no-install-recommends"),
    ("apt lists kept", replace(" \\\n && rm -rf /var/lib/apt/lists/*\n\nCOPY --from", "\n\nCOPY --from"),
     "/var/lib/apt/lists"),
    ("no static stdlib", replace("--static-swift-stdlib --product", "--product"), "--static-swift-stdlib"),
    ("debug build", replace("swift build -c release --static", "swift build --static"), "-c release"),
    ("no USER", replace("USER 0:0\n", ""), "USER"),
    ("USER without why", replace("# hadolint ignore=DL3002\nUSER 0:0", "\nUSER 0:0"), "comment above USER"),
    ("new program invoked", add_source('let x = Executable.name("ip")\n'), "'ip'"),
    (".git in context", replace("*\n!Package.swift", "!Package.swift", ".dockerignore"), ".git"),
]


def run(root: str) -> tuple[int, str]:
    result = subprocess.run([sys.executable, LINTER, "--repo", root], capture_output=True, text=True, check=False)
    return result.returncode, result.stdout + result.stderr


def fresh_copy(workdir: str) -> str:
    root = os.path.join(workdir, "repo")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(root)
    for name in ("Dockerfile", ".dockerignore"):
        shutil.copy(os.path.join(REPO, name), root)
    shutil.copytree(os.path.join(REPO, "Sources"), os.path.join(root, "Sources"))
    return root


def main() -> int:
    return run_cases('real Dockerfile passes', fresh_copy, run, CASES)


if __name__ == "__main__":
    sys.exit(main())
