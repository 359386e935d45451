#!/usr/bin/env python3
"""Self-test of scripts/policy-check.py: the real manifests must pass, and each bad variant
(one violation injected into a copy of deploy/*.yaml) must fail with the expected message.

A policy checker that silently passes everything looks exactly like a clean manifest, so this
is what keeps it honest. Runs without pytest; prints `N passed, N failed` and exits non-zero on
any failure.
"""

from __future__ import annotations

import copy
import os
import subprocess
import sys
import tempfile
from typing import Any, Callable

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from selftest_harness import Verdicts  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CHECKER = os.path.join(REPO, "scripts", "policy-check.py")
DAEMONSET = os.path.join(REPO, "deploy", "daemonset.yaml")
TEST_POD = os.path.join(REPO, "deploy", "test-pod.yaml")
READER = os.path.join(REPO, "deploy", "podcap-reader.yaml")

Docs = list[dict[str, Any]]


def load(path: str) -> Docs:
    with open(path, encoding="utf-8") as handle:
        return [d for d in yaml.safe_load_all(handle) if d is not None]


def find(docs: Docs, kind: str) -> dict[str, Any]:
    return next(d for d in docs if d.get("kind") == kind)


def container(docs: Docs) -> dict[str, Any]:
    return find(docs, "DaemonSet")["spec"]["template"]["spec"]["containers"][0]


def pod_spec(docs: Docs) -> dict[str, Any]:
    return find(docs, "DaemonSet")["spec"]["template"]["spec"]


def caps(docs: Docs) -> dict[str, Any]:
    return container(docs)["securityContext"]["capabilities"]


def role_rules(docs: Docs) -> list[dict[str, Any]]:
    return find(docs, "ClusterRole")["rules"]


def set_(target: Callable[[Docs], dict[str, Any]], key: str, value: Any) -> Callable[[Docs], None]:
    def mutate(docs: Docs) -> None:
        target(docs)[key] = value
    return mutate


def sc(docs: Docs) -> dict[str, Any]:
    return container(docs)["securityContext"]


# (name, mutation of the DaemonSet file's documents, substring expected in the checker's output)
CASES: list[tuple[str, Callable[[Docs], None], str]] = [
    ("privileged", set_(sc, "privileged", True), "privileged: true"),
    ("escalation allowed", set_(sc, "allowPrivilegeEscalation", True), "allowPrivilegeEscalation"),
    ("escalation unset", lambda d: sc(d).pop("allowPrivilegeEscalation"), "allowPrivilegeEscalation"),
    ("NET_ADMIN added", lambda d: caps(d)["add"].append("NET_ADMIN"), "capability NET_ADMIN"),
    ("CAP_ prefix added", lambda d: caps(d)["add"].append("CAP_DAC_READ_SEARCH"), "capability DAC_READ_SEARCH"),
    ("lower-case added", lambda d: caps(d)["add"].append("sys_module"), "capability SYS_MODULE"),
    ("drop ALL missing", set_(caps, "drop", ["NET_BIND_SERVICE"]), "drop must contain ALL"),
    ("no securityContext", lambda d: container(d).pop("securityContext"), "securityContext missing"),
    ("hostNetwork", set_(pod_spec, "hostNetwork", True), "hostNetwork"),
    ("hostIPC", set_(pod_spec, "hostIPC", True), "hostIPC"),
    ("hostPID dropped", set_(pod_spec, "hostPID", False), "hostPID: true is required"),
    ("seccomp Unconfined", lambda d: pod_spec(d)["securityContext"]["seccompProfile"].update(type="Unconfined"),
     "seccompProfile"),
    ("writable root fs", set_(sc, "readOnlyRootFilesystem", False), "readOnlyRootFilesystem"),
    ("containerd socket", lambda d: pod_spec(d)["volumes"].append(
        {"name": "cri", "hostPath": {"path": "/run/containerd/containerd.sock", "type": "Socket"}}),
     "hostPath '/run/containerd/containerd.sock'"),
    ("no memory limit", lambda d: container(d)["resources"]["limits"].pop("memory"), "limits.memory missing"),
    ("bad quantity", lambda d: container(d)["resources"]["limits"].update(memory="lots"), "not a quantity"),
    ("no NODE_NAME", lambda d: container(d).pop("env"), "NODE_NAME"),
    ("liveness path", lambda d: container(d)["livenessProbe"]["httpGet"].update(path="/"), "livenessProbe"),
    ("short termination", set_(pod_spec, "terminationGracePeriodSeconds", 5), "terminationGracePeriodSeconds"),
    ("no toleration", set_(pod_spec, "tolerations", []), "operator: Exists"),
    ("verb delete on pods", lambda d: role_rules(d)[0]["verbs"].append("delete"), "verb 'delete' on 'pods'"),
    ("secrets readable", lambda d: role_rules(d).append(
        {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}), "on 'secrets'"),
    ("pods/exec", lambda d: role_rules(d).append(
        {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}), "on 'pods/exec'"),
    ("wildcard verb", lambda d: role_rules(d)[1].update(verbs=["*"]), "wildcard"),
    ("nonResourceURLs", lambda d: role_rules(d).append({"nonResourceURLs": ["/metrics"], "verbs": ["get"]}),
     "nonResourceURLs"),
    ("events grant missing", lambda d: role_rules(d)[1].update(verbs=["create"]), "missing grant"),
    ("pods:patch removed without flag", lambda d: role_rules(d)[0].update(verbs=["list", "watch"]),
     "--no-status-annotation"),
    ("binding to cluster-admin", lambda d: find(d, "ClusterRoleBinding")["roleRef"].update(name="cluster-admin"),
     "roleRef"),
    ("unreviewed kind", lambda d: d.append({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "x"}}),
     "has not been reviewed"),
]


def run_checker(docs_by_file: dict[str, Docs], workdir: str) -> tuple[int, str]:
    paths = []
    for name, docs in docs_by_file.items():
        path = os.path.join(workdir, name)
        with open(path, "w", encoding="utf-8") as handle:
            yaml.safe_dump_all(docs, handle, sort_keys=False)
        paths.append(path)
    result = subprocess.run([sys.executable, CHECKER, *paths], capture_output=True, text=True, check=False)
    return result.returncode, result.stdout + result.stderr


def main() -> int:
    daemonset, test_pod = load(DAEMONSET), load(TEST_POD)
    verdict = Verdicts()

    with tempfile.TemporaryDirectory() as workdir:
        code, out = run_checker({"daemonset.yaml": daemonset, "test-pod.yaml": test_pod}, workdir)
        verdict("real manifests pass", code == 0, out)

        for name, mutate, expected in CASES:
            docs = copy.deepcopy(daemonset)
            mutate(docs)
            code, out = run_checker({"daemonset.yaml": docs, "test-pod.yaml": test_pod}, workdir)
            verdict(f"rejects: {name}", code == 1 and expected in out,
                    f"  exit {code}, expected {expected!r} in:\n{out}")

        # The flag makes the missing pods:patch acceptable.
        docs = copy.deepcopy(daemonset)
        role_rules(docs)[0]["verbs"] = ["list", "watch"]
        container(docs)["args"].append("--no-status-annotation")
        code, out = run_checker({"daemonset.yaml": docs}, workdir)
        verdict("accepts: no pods:patch with --no-status-annotation", code == 0, out)

        # Any other workload may add no capability at all, not even one of podcap's.
        pod = copy.deepcopy(test_pod)
        pod[0]["spec"]["containers"][0]["securityContext"]["capabilities"]["add"] = ["NET_RAW"]
        code, out = run_checker({"test-pod.yaml": pod}, workdir)
        verdict("rejects: test Pod adding NET_RAW", code == 1 and "capability NET_RAW" in out, out)

        pod = copy.deepcopy(test_pod)
        pod[0]["spec"]["hostPID"] = True
        code, out = run_checker({"test-pod.yaml": pod}, workdir)
        verdict("rejects: hostPID outside podcap", code == 1 and "only allowed for the podcap" in out, out)

        # The kubectl podcap user roles: exactly their own sets, the reader's only in kube-system.
        reader = load(READER)
        code, out = run_checker({"daemonset.yaml": daemonset, "podcap-reader.yaml": reader}, workdir)
        verdict("accepts: deploy/podcap-reader.yaml", code == 0, out)
        for name, mutate, expected in [
            ("reader may delete pods", lambda d: d[1]["rules"][0]["verbs"].append("delete"), "verb 'delete' on 'pods'"),
            ("reader reads secrets", lambda d: d[1]["rules"].append(
                {"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}), "'secrets'"),
            ("user role may exec", lambda d: d[0]["rules"].append(
                {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}), "'pods/exec'"),
            ("reader in default", lambda d: d[1]["metadata"].update(namespace="default"), "belongs in kube-system"),
            ("another Role", lambda d: d[1]["metadata"].update(name="other"), "only namespaced Role"),
        ]:
            docs = copy.deepcopy(reader)
            mutate(docs)
            code, out = run_checker({"daemonset.yaml": daemonset, "podcap-reader.yaml": docs}, workdir)
            verdict(f"rejects: {name}", code == 1 and expected in out, f"  exit {code}, expected {expected!r} in:\n{out}")

        # Duplicate keys would let a second value hide behind the first.
        path = os.path.join(workdir, "dup.yaml")
        with open(path, "w", encoding="utf-8") as handle:
            handle.write("apiVersion: v1\nkind: Pod\nkind: Pod\nmetadata: {name: x}\n")
        result = subprocess.run([sys.executable, CHECKER, path], capture_output=True, text=True, check=False)
        verdict("rejects: duplicate YAML key", result.returncode == 2 and "duplicate key" in result.stderr,
                result.stderr)

    return verdict.finish()


if __name__ == "__main__":
    sys.exit(main())
