#!/usr/bin/env python3
"""Self-test of scripts/lint-runtime-programs.py: the repo's Dockerfile and
deploy/runtime-programs.txt agree, and each variant where one drifts from the other (in a copy of
both) is caught. Prints `N passed, N failed`; exits non-zero on any failure."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from typing import Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from selftest_harness import replace, run_cases  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LINTER = os.path.join(REPO, "scripts", "lint-runtime-programs.py")
LIST = os.path.join("deploy", "runtime-programs.txt")


def in_list(old: str, new: str) -> Callable[[str], None]:
    return replace(old, new, LIST)


def append_list(line: str) -> Callable[[str], None]:
    def mutate(root: str) -> None:
        with open(os.path.join(root, LIST), "a", encoding="utf-8") as handle:
            handle.write(line + "\n")
    return mutate


CASES: list[tuple[str, Callable[[str], None], str]] = [
    # the Dockerfile drops or adds something the list does not
    ("Dockerfile drops tcpdump", replace(" tcpdump libpcap0.8t64", " libpcap0.8t64"), "'tcpdump'"),
    ("Dockerfile drops bash", replace(" util-linux bash ca-certificates", " util-linux ca-certificates"),
     "'bash'"),
    ("Dockerfile adds a package", replace(" bash ca-certificates", " bash ca-certificates curl"), "'curl'"),
    ("Dockerfile copies podcap elsewhere",
     replace("COPY --from=build /out/podcap /usr/local/bin/podcap", "COPY --from=build /out/podcap /usr/bin/podcap"),
     "no COPY to /usr/local/bin/podcap"),
    ("Dockerfile copies an extra file",
     replace("COPY --from=build /out/podcap /usr/local/bin/podcap",
             "COPY --from=build /out/podcap /usr/local/bin/podcap\nCOPY --from=build /out/helper /usr/local/bin/helper"),
     "/usr/local/bin/helper"),
    ("Dockerfile stops checking tar", replace(" \\\n && command -v tar", ""), "command -v tar"),
    ("Dockerfile checks an unlisted program", replace(" && command -v ls", " && command -v ls \\\n && command -v ip"),
     "command -v ip"),
    ("other ENTRYPOINT", replace('ENTRYPOINT ["/usr/local/bin/podcap"]', 'ENTRYPOINT ["/bin/podcap"]'), "ENTRYPOINT"),
    ("other CMD", replace('CMD ["controller"]', 'CMD ["controller", "--log-format=json"]'), "CMD"),
    ("shell-form CMD", replace('CMD ["controller"]', "CMD controller"), "JSON (exec) form"),
    # the list drops or adds something the Dockerfile does not
    ("list drops tar", in_list("program tar      /usr/bin/tar           base:tar\n", ""),
     "checks `command -v tar`, which is not a program"),
    ("list drops nsenter", in_list("program nsenter  /usr/bin/nsenter       apt:util-linux\n", ""),
     "'util-linux'"),
    ("list adds a program", append_list("program curl /usr/bin/curl apt:curl"), "'curl'"),
    ("list adds a non-Essential base program", append_list("program ip /usr/sbin/ip base:iproute2"),
     "not Essential"),
    ("list says base for an installed package",
     in_list("/usr/bin/bash          apt:bash", "/usr/bin/bash          base:bash"), "say apt:bash"),
    ("list names the wrong package", in_list("/usr/bin/tcpdump       apt:tcpdump", "/usr/bin/tcpdump       apt:libpcap0.8t64"),
     "installs 'tcpdump', which no entry"),
    ("list drops the CA bundle", in_list("file    ca-certificates", "# file    ca-certificates"),
     "'ca-certificates'"),
    ("list changes the entrypoint", in_list('entrypoint ["/usr/local/bin/podcap"]', 'entrypoint ["/usr/bin/podcap"]'),
     "ENTRYPOINT"),
    ("list without cmd", in_list('cmd        ["controller"]', ""), "no `cmd` line"),
    ("list with a bad line", append_list("program only-two-words"), "expected `KIND NAME PATH SOURCE`"),
    ("list with a bad source", append_list("program sh /usr/bin/sh pip:sh"), "source 'pip:sh'"),
    ("list with a duplicate", append_list("program ls /usr/bin/ls base:coreutils"), "listed twice"),
    ("program under another name", in_list("program ls       /usr/bin/ls", "program ls       /usr/bin/dir"),
     "under its own name"),
]


def run(root: str) -> tuple[int, str]:
    result = subprocess.run([sys.executable, LINTER, "--repo", root], capture_output=True, text=True, check=False)
    return result.returncode, result.stdout + result.stderr


def fresh_copy(workdir: str) -> str:
    root = os.path.join(workdir, "repo")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "deploy"))
    shutil.copy(os.path.join(REPO, "Dockerfile"), root)
    shutil.copy(os.path.join(REPO, LIST), os.path.join(root, LIST))
    return root


def main() -> int:
    return run_cases("the repo's Dockerfile and list agree", fresh_copy, run, CASES)


if __name__ == "__main__":
    sys.exit(main())
