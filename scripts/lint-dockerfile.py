#!/usr/bin/env python3
"""Project rules for the Dockerfile that hadolint cannot know, and the check that the runtime
image installs every program the controller executes.

hadolint (run separately by `make -f mk/deploy.mk lint-dockerfile`) covers generic practice.
This adds, for podcap:

1. every FROM names an explicit tag that is not `latest`; the build stage is an official Swift 6
   image, the final stage is ubuntu:24.04;
2. every `apt-get install` runs in the same RUN as `apt-get update`, with
   --no-install-recommends, and that RUN removes /var/lib/apt/lists;
3. the build compiles `podcap` with `-c release --static-swift-stdlib`;
4. the final stage sets USER, and the comment above it explains the choice (mentions the
   capabilities it relies on);
5. every executable the Swift sources invoke (found by scanning Sources/ for the argv
   builders' defaults and Subprocess `.name("…")` / absolute paths) is provided by a package the
   runtime stage installs, and the runtime stage installs nothing outside RUNTIME_PACKAGES;
6. .dockerignore keeps .git and .build out of the context but lets every COPY source in.

Usage: lint-dockerfile.py [--repo DIR]. Exit 0 when clean, 1 with a list of findings.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys

# Executable -> Ubuntu package that ships it in noble (same names in Debian).
PROVIDERS = {
    "nsenter": "util-linux",
    "tcpdump": "tcpdump",
    "bash": "bash",
}
# The controller's command line is `nsenter … -- tcpdump …`; if the scan below stops finding
# either, the scan is broken, not the requirement.
ALWAYS_INVOKED = {"nsenter", "tcpdump"}
# What the runtime stage may install, each for a stated reason (see the Dockerfile comments).
RUNTIME_PACKAGES = {"tcpdump", "libpcap0.8t64", "util-linux", "bash", "ca-certificates"}
REQUIRED_RUNTIME_PACKAGES = {"tcpdump", "libpcap0.8t64", "util-linux"}

SWIFT_PATTERNS = [
    # argv(pid:nsenter:tcpdump:) style defaults: `nsenter: String = "nsenter"`
    re.compile(r'\b(?:nsenter|tcpdump|executable|program|binary)\w*\s*:\s*String\s*=\s*"([^"/\s]+)"'),
    # swift-subprocess: .name("tcpdump")
    re.compile(r'\.name\(\s*"([^"/\s]+)"\s*\)'),
    # absolute program paths: "/usr/bin/tcpdump", "/usr/sbin/tcpdump", "/bin/bash"
    re.compile(r'"/(?:usr/)?s?bin/([A-Za-z0-9_.+-]+)"'),
]


def logical_lines(text: str) -> list[tuple[int, str, list[str]]]:
    """Join continuation lines; return (first line number, instruction text, comments above)."""
    result: list[tuple[int, str, list[str]]] = []
    comments: list[str] = []
    buffer: list[str] = []
    start = 0
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.rstrip()
        stripped = line.strip()
        if not buffer:
            if not stripped:
                comments = []
                continue
            if stripped.startswith("#"):
                comments.append(stripped.lstrip("#").strip())
                continue
            start = number
        elif stripped.startswith("#"):
            continue  # comment inside a continued instruction
        if line.endswith("\\"):
            buffer.append(line[:-1])
            continue
        buffer.append(line)
        result.append((start, " ".join(part.strip() for part in buffer), comments))
        buffer, comments = [], []
    return result


def split_stages(lines: list[tuple[int, str, list[str]]]) -> list[list[tuple[int, str, list[str]]]]:
    stages: list[list[tuple[int, str, list[str]]]] = []
    for entry in lines:
        if entry[1].split(None, 1)[0].upper() == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(entry)
    return stages


def apt_packages(run: str) -> list[str]:
    packages: list[str] = []
    for segment in re.split(r"&&|;|\|\|", run):
        words = segment.split()
        if "apt-get" in words and "install" in words:
            after = words[words.index("install") + 1:]
            packages += [w.split("=")[0] for w in after if not w.startswith("-")]
    return packages


# Modules that never run inside the DaemonSet: the demo/test harness (network sandboxes,
# the API server simulator, benchmarks). What they spawn runs on a developer's machine.
NOT_SHIPPED_MODULES = {"PodSandbox", "KubeSim", "Bench", "TestSupport"}


def invoked_executables(sources: str) -> set[str]:
    found: set[str] = set()
    for root, dirs, files in os.walk(sources):
        if os.path.abspath(root) == os.path.abspath(sources):
            dirs[:] = [d for d in dirs if d not in NOT_SHIPPED_MODULES]
        for name in files:
            if not name.endswith(".swift"):
                continue
            with open(os.path.join(root, name), encoding="utf-8") as handle:
                text = handle.read()
            for pattern in SWIFT_PATTERNS:
                found.update(pattern.findall(text))
    return found


def dockerignore_excludes(patterns: list[str], path: str) -> bool:
    excluded = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        body = pattern[1:] if negate else pattern
        body = body.rstrip("/")
        candidates = [path] + [path.split("/")[0]]
        if any(fnmatch.fnmatch(c, body) or fnmatch.fnmatch(c, body.replace("**/", "")) for c in candidates):
            excluded = not negate
    return excluded


def lint(repo: str) -> list[str]:
    findings: list[str] = []
    with open(os.path.join(repo, "Dockerfile"), encoding="utf-8") as handle:
        lines = logical_lines(handle.read())
    stages = split_stages(lines)
    if len(stages) < 2:
        return ["Dockerfile must be multi-stage (a Swift build stage and a runtime stage)"]

    # 1. base images
    for stage in stages:
        number, text, _ = stage[0]
        words = text.split()
        image = words[1] if len(words) > 1 else ""
        if words[1:2] and words[1].startswith("--platform"):
            image = words[2]
        name, _, tag = image.partition(":")
        if not tag or "$" in image:
            findings.append(f"line {number}: FROM {image!r} must name an explicit tag")
        elif tag == "latest" or tag.startswith("latest"):
            findings.append(f"line {number}: FROM {image!r} uses `latest`")
    build_image = stages[0][0][1].split()[1]
    if not re.fullmatch(r"swift:6\.\d+(\.\d+)?-noble", build_image):
        findings.append(f"build stage is {build_image!r}; expected an official swift:6.x-noble image "
                        "(noble matches the runtime stage's libpcap ABI)")
    final_image = stages[-1][0][1].split()[1]
    if final_image != "ubuntu:24.04":
        findings.append(f"final stage is {final_image!r}; expected ubuntu:24.04")

    # 2. apt hygiene, in every stage
    for stage in stages:
        for number, text, _ in stage:
            if not text.upper().startswith("RUN ") or "apt-get install" not in text:
                continue
            if "apt-get update" not in text:
                findings.append(f"line {number}: apt-get install without apt-get update in the same RUN")
            if "--no-install-recommends" not in text:
                findings.append(f"line {number}: apt-get install without --no-install-recommends")
            if "rm -rf /var/lib/apt/lists" not in text:
                findings.append(f"line {number}: RUN installing packages must rm -rf /var/lib/apt/lists/*")
            if re.search(r"apt-get install(?![^&;]*\s-y\b)", text):
                findings.append(f"line {number}: apt-get install needs -y (no TTY in a build)")

    # 3. release build with the static Swift stdlib
    build_runs = " ".join(t for _, t, _ in stages[0] if t.upper().startswith("RUN "))
    builds = [seg for seg in re.split(r"&&|;", build_runs) if re.search(r"\bswift build\b", seg)]
    if not any("-c release" in seg and "--static-swift-stdlib" in seg for seg in builds):
        findings.append("build stage must run `swift build -c release --static-swift-stdlib`")
    if "libpcap-dev" not in apt_packages(build_runs):
        findings.append("build stage must install libpcap-dev (CPcap links libpcap)")

    # 4. USER with its reason
    final = stages[-1]
    users = [(n, t, c) for n, t, c in final if t.upper().startswith("USER ")]
    if not users:
        findings.append("final stage must set USER explicitly (and say why)")
    else:
        number, _, comments = users[-1]
        why = " ".join(comments)
        if not re.search(r"CAP_[A-Z_]+", why):
            findings.append(f"line {number}: the comment above USER must explain which capabilities "
                            "require this user")

    # 5. invoked binaries are installed, and nothing else is
    runtime_packages: list[str] = []
    for _, text, _ in final:
        if text.upper().startswith("RUN "):
            runtime_packages += apt_packages(text)
    installed = set(runtime_packages)
    for package in sorted(installed - RUNTIME_PACKAGES):
        findings.append(f"runtime stage installs {package!r}, which nothing runs (allowed: "
                        f"{', '.join(sorted(RUNTIME_PACKAGES))})")
    for package in sorted(REQUIRED_RUNTIME_PACKAGES - installed):
        findings.append(f"runtime stage must install {package!r}")
    invoked = invoked_executables(os.path.join(repo, "Sources")) | ALWAYS_INVOKED
    for program in sorted(invoked):
        package = PROVIDERS.get(program)
        if package is None:
            findings.append(f"Sources invoke {program!r}: add it to PROVIDERS in scripts/lint-dockerfile.py "
                            "and install its package in the runtime stage")
        elif package not in installed:
            findings.append(f"Sources invoke {program!r} but the runtime stage does not install {package!r}")
    # Cross-check PROVIDERS against this machine's package database when it has the program
    # (Debian ships these programs in packages of the same names as Ubuntu).
    if shutil.which("dpkg"):
        for program in sorted(invoked):
            path = shutil.which(program)
            if not path or program not in PROVIDERS:
                continue
            real = os.path.realpath(path)
            owner = subprocess.run(["dpkg", "-S", real], capture_output=True, text=True, check=False)
            if owner.returncode == 0:
                package = owner.stdout.split(":", 1)[0].strip()
                if package != PROVIDERS[program]:
                    findings.append(f"{program} is shipped by {package!r} here, PROVIDERS says "
                                    f"{PROVIDERS[program]!r}")

    # 6. build context
    ignore_path = os.path.join(repo, ".dockerignore")
    if not os.path.exists(ignore_path):
        findings.append(".dockerignore is missing")
    else:
        with open(ignore_path, encoding="utf-8") as handle:
            patterns = [l.strip() for l in handle if l.strip() and not l.lstrip().startswith("#")]
        for path in (".git", ".build", ".build-kube"):
            if not dockerignore_excludes(patterns, path):
                findings.append(f".dockerignore must exclude {path}")
        for number, text, _ in lines:
            words = text.split()
            if words[0].upper() != "COPY" or any(w.startswith("--from") for w in words):
                continue
            for source in words[1:-1]:
                if source.startswith("--"):
                    continue
                if dockerignore_excludes(patterns, source.rstrip("*").rstrip("/")):
                    findings.append(f"line {number}: COPY source {source!r} is excluded by .dockerignore")
    return findings


def main(argv: list[str]) -> int:
    repo = argv[argv.index("--repo") + 1] if "--repo" in argv else \
        os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    findings = lint(repo)
    for finding in findings:
        print(f"Dockerfile: {finding}", file=sys.stderr)
    if findings:
        return 1
    print("lint-dockerfile: Dockerfile and .dockerignore follow the project rules; "
          "nsenter and tcpdump are installed by the runtime stage")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
