#!/usr/bin/env python3
"""Keeps the two podcap images naming the same runtime contents.

deploy/runtime-programs.txt is the list `make node-image` (scripts/node-image.sh) builds the
realnode image from. This check reads it and the Dockerfile's runtime (last) stage and fails
unless they agree, in both directions:

1. every `program` of the list is provided by the runtime stage: `copy` by a COPY --from=build to
   exactly its path, `apt:<pkg>` by the stage's apt-get install, `base:<pkg>` by an Essential
   package of ubuntu:24.04 (ESSENTIAL below); and every program not copied is asserted by a
   `command -v <name>` in a RUN of that stage, so a trimmed base image fails the build;
2. every `library` and `file` names a package the stage installs (`apt:<pkg>`);
3. vice versa: every package the stage installs, every COPY into it and every `command -v` it
   checks belongs to an entry of the list;
4. ENTRYPOINT and CMD are the list's `entrypoint` and `cmd`, compared as JSON;
5. the programs scripts/lint-dockerfile.py knows the controller always invokes (nsenter, tcpdump)
   are in the list;
6. where this machine's dpkg knows the program, the package named is the one that ships it
   (Debian and Ubuntu use the same package names for these).

Usage: lint-runtime-programs.py [--repo DIR]. Exit 0 when they agree, 1 with the differences.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
LIST = os.path.join("deploy", "runtime-programs.txt")
KINDS = {"program", "library", "file"}
# Essential: yes packages of ubuntu:24.04 that ship a program the list may rely on.
ESSENTIAL = {"tar", "coreutils", "bash", "dash", "util-linux", "grep", "sed", "findutils", "gzip",
             "diffutils", "hostname", "login", "ncurses-bin", "debianutils", "procps"}


def _load(name: str, filename: str):
    spec = importlib.util.spec_from_file_location(name, os.path.join(HERE, filename))
    module = importlib.util.module_from_spec(spec)
    assert spec.loader is not None
    spec.loader.exec_module(module)
    return module


dockerfile_lint = _load("lint_dockerfile", "lint-dockerfile.py")


class Entry:
    def __init__(self, line: int, kind: str, name: str, path: str, source: str):
        self.line, self.kind, self.name, self.path, self.source = line, kind, name, path, source

    @property
    def package(self) -> str:
        return self.source.split(":", 1)[1] if ":" in self.source else ""


def parse_list(text: str) -> tuple[list[Entry], dict[str, object], list[str]]:
    """(entries, {"entrypoint": [...], "cmd": [...]}, findings)"""
    entries: list[Entry] = []
    config: dict[str, object] = {}
    findings: list[str] = []
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        word, _, rest = line.partition(" ")
        if word in ("entrypoint", "cmd"):
            try:
                value = json.loads(rest.strip())
            except json.JSONDecodeError as error:
                findings.append(f"{LIST}:{number}: {word} is not JSON: {error}")
                continue
            if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                findings.append(f"{LIST}:{number}: {word} must be a JSON array of strings")
                continue
            if word in config:
                findings.append(f"{LIST}:{number}: second {word} line")
            config[word] = value
            continue
        fields = line.split()
        if word not in KINDS or len(fields) != 4:
            findings.append(f"{LIST}:{number}: expected `KIND NAME PATH SOURCE` with KIND one of "
                            f"{', '.join(sorted(KINDS))}, or `entrypoint`/`cmd` JSON: {line!r}")
            continue
        kind, name, path, source = fields
        if kind == "program" and not path.startswith("/"):
            findings.append(f"{LIST}:{number}: program {name} needs an absolute path in the image")
        if kind == "program" and os.path.basename(path) != name:
            findings.append(f"{LIST}:{number}: program {name} must be installed under its own name, not {path}")
        allowed = ("copy", "apt:", "base:") if kind == "program" else ("apt:",)
        if not (source in allowed or any(a.endswith(":") and source.startswith(a) and len(source) > len(a)
                                         for a in allowed)):
            findings.append(f"{LIST}:{number}: {kind} {name}: source {source!r} must be one of "
                            f"{', '.join(a + '<package>' if a.endswith(':') else a for a in allowed)}")
        if any(e.kind == kind and e.name == name for e in entries):
            findings.append(f"{LIST}:{number}: {kind} {name} listed twice")
        entries.append(Entry(number, kind, name, path, source))
    for word in ("entrypoint", "cmd"):
        if word not in config:
            findings.append(f"{LIST}: no `{word}` line")
    return entries, config, findings


def runtime_stage(dockerfile: str) -> dict[str, object]:
    lines = dockerfile_lint.logical_lines(dockerfile)
    stages = dockerfile_lint.split_stages(lines)
    final = stages[-1] if stages else []
    packages: set[str] = set()
    copies: dict[str, int] = {}
    checked: set[str] = set()
    instructions: dict[str, tuple[int, str]] = {}
    for number, text, _ in final:
        keyword, _, rest = text.partition(" ")
        keyword = keyword.upper()
        if keyword == "RUN":
            packages.update(dockerfile_lint.apt_packages(rest))
            checked.update(re.findall(r"\bcommand\s+-v\s+([A-Za-z0-9_.+-]+)", rest))
        elif keyword == "COPY":
            words = [w for w in rest.split() if not w.startswith("--")]
            if len(words) >= 2:
                dest = words[-1]
                for source in words[:-1]:
                    path = dest + os.path.basename(source) if dest.endswith("/") else dest
                    copies[path] = number
        elif keyword in ("ENTRYPOINT", "CMD"):
            instructions[keyword] = (number, rest.strip())
    return {"packages": packages, "copies": copies, "checked": checked, "instructions": instructions,
            "stages": len(stages)}


def dpkg_owner(name: str) -> str | None:
    if not shutil.which("dpkg"):
        return None
    candidates = []
    found = shutil.which(name)
    if found:
        candidates += [found, os.path.realpath(found)]
    candidates += [f"/usr/bin/{name}", f"/bin/{name}", f"/usr/sbin/{name}", f"/sbin/{name}"]
    for path in dict.fromkeys(candidates):
        if not os.path.exists(path):
            continue
        owner = subprocess.run(["dpkg", "-S", path], capture_output=True, text=True, check=False)
        if owner.returncode == 0 and owner.stdout.strip():
            return owner.stdout.split(":", 1)[0].strip()
    return None


def lint(repo: str) -> list[str]:
    try:
        with open(os.path.join(repo, LIST), encoding="utf-8") as handle:
            entries, config, findings = parse_list(handle.read())
        with open(os.path.join(repo, "Dockerfile"), encoding="utf-8") as handle:
            stage = runtime_stage(handle.read())
    except OSError as error:
        return [str(error)]
    if stage["stages"] < 2:
        return findings + ["Dockerfile: no runtime stage (expected a multi-stage build)"]
    packages: set[str] = stage["packages"]  # type: ignore[assignment]
    copies: dict[str, int] = stage["copies"]  # type: ignore[assignment]
    checked: set[str] = stage["checked"]  # type: ignore[assignment]
    instructions: dict[str, tuple[int, str]] = stage["instructions"]  # type: ignore[assignment]

    programs = [e for e in entries if e.kind == "program"]
    # 1, 2: the list is provided by the Dockerfile
    for entry in entries:
        where = f"{LIST}:{entry.line}: {entry.kind} {entry.name}"
        if entry.source == "copy":
            if entry.path not in copies:
                findings.append(f"{where}: the runtime stage has no COPY to {entry.path}")
        elif entry.source.startswith("apt:"):
            if entry.package not in packages:
                findings.append(f"{where}: the runtime stage does not apt-get install {entry.package!r}")
        elif entry.source.startswith("base:"):
            if entry.package in packages:
                findings.append(f"{where}: the runtime stage installs {entry.package!r}: say apt:{entry.package}")
            elif entry.package not in ESSENTIAL:
                findings.append(f"{where}: {entry.package!r} is not Essential in ubuntu:24.04; install it "
                                "in the runtime stage and say apt:")
        if entry.kind == "program" and entry.source != "copy" and entry.name not in checked:
            findings.append(f"{where}: the runtime stage does not check `command -v {entry.name}`")
    # 3: and nothing else
    referenced = {e.package for e in entries if e.package}
    for package in sorted(packages - referenced):
        findings.append(f"Dockerfile runtime stage installs {package!r}, which no entry of {LIST} names")
    for path, number in sorted(copies.items()):
        if not any(e.source == "copy" and e.path == path for e in programs):
            findings.append(f"Dockerfile line {number}: COPY to {path}, which is not a `copy` program of {LIST}")
    for name in sorted(checked - {e.name for e in programs}):
        findings.append(f"Dockerfile runtime stage checks `command -v {name}`, which is not a program of {LIST}")
    # 4: entrypoint and default command
    for word, keyword in (("entrypoint", "ENTRYPOINT"), ("cmd", "CMD")):
        if keyword not in instructions:
            findings.append(f"Dockerfile runtime stage has no {keyword}")
            continue
        number, text = instructions[keyword]
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            findings.append(f"Dockerfile line {number}: {keyword} must be the JSON (exec) form")
            continue
        if word in config and value != config[word]:
            findings.append(f"Dockerfile line {number}: {keyword} {json.dumps(value)} differs from "
                            f"{LIST}'s {word} {json.dumps(config[word])}")
    # 5: what the controller always runs
    for name in sorted(dockerfile_lint.ALWAYS_INVOKED - {e.name for e in programs}):
        findings.append(f"{LIST}: the controller invokes {name!r}; list it as a program")
    # 6: package names, where this machine can tell
    for entry in programs:
        if entry.source.startswith(("apt:", "base:")):
            owner = dpkg_owner(entry.name)
            if owner is not None and owner != entry.package:
                findings.append(f"{LIST}:{entry.line}: {entry.name} is shipped by {owner!r} here, "
                                f"the list says {entry.package!r}")
    return findings


def main(argv: list[str]) -> int:
    repo = argv[argv.index("--repo") + 1] if "--repo" in argv else os.path.dirname(HERE)
    findings = lint(repo)
    for finding in findings:
        print(f"runtime programs: {finding}", file=sys.stderr)
    if findings:
        return 1
    print(f"lint-runtime-programs: the Dockerfile runtime stage and {LIST} name the same programs, "
          "libraries, files, entrypoint and command")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
