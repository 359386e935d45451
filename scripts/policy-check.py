#!/usr/bin/env python3
"""Privilege policy for podcap's manifests.

Schema validation (kubernetes-validate) proves the manifests are well-formed; this proves they
grant no more than podcap needs. It fails when, anywhere in the given files:

- a container is privileged, may escalate privileges, does not drop ALL capabilities, or adds
  a capability outside ALLOWED_CAPS (only the podcap DaemonSet may add any);
- a Pod uses the host network or IPC namespace, or the host PID namespace outside the podcap
  DaemonSet, or a hostPath other than /capture, or runs without a RuntimeDefault/Localhost
  seccomp profile;
- an RBAC rule grants a (group, resource, verb) outside ALLOWED_RULES, uses a wildcard, a
  non-resource URL or aggregation, or a binding reaches another role or subject;
- the DaemonSet loses something the controller relies on (hostPID, NODE_NAME from the downward
  API, probes on /healthz and /readyz, toleration of every taint, a termination grace period
  longer than the capture grace period, resource limits).

Usage: policy-check.py [FILE...]   (default: deploy/*.yaml next to this script's repo)
Exit status 0 when clean, 1 on any violation, 2 on unreadable input.
"""

from __future__ import annotations

import glob
import os
import re
import sys
from typing import Any, Iterator

import yaml

# The capability set of the podcap container and why each is needed is documented in
# deploy/daemonset.yaml; scripts/cap-probe.sh proves each is necessary on a real kernel.
ALLOWED_CAPS = frozenset({"NET_RAW", "SYS_ADMIN", "SYS_PTRACE", "SETGID"})

# (apiGroup, resource) -> verbs. pods:patch is only for the status annotation and may be
# absent when the DaemonSet passes --no-status-annotation.
ALLOWED_RULES: dict[tuple[str, str], frozenset[str]] = {
    ("", "pods"): frozenset({"list", "watch", "patch"}),
    ("", "events"): frozenset({"create", "patch"}),
    ("events.k8s.io", "events"): frozenset({"create", "patch"}),
}
OPTIONAL_GRANTS = {("", "pods", "patch")}

# The roles for people who use `kubectl podcap` (deploy/podcap-reader.yaml), each reviewed on its
# own: they are bound to users, never to the controller, so they count neither for nor against
# the controller's minimal set. pods/exec is the reader's transport (export, follow), and only in
# the DaemonSet's namespace.
USER_ROLES: dict[tuple[str, str], dict[tuple[str, str], frozenset[str]]] = {
    ("ClusterRole", "podcap-user"): {("", "pods"): frozenset({"get", "list", "patch"})},
    ("Role", "podcap-reader"): {
        ("", "pods"): frozenset({"get", "list"}),
        ("", "pods/exec"): frozenset({"create", "get"}),
    },
}

PODCAP_NAME = "podcap"
PODCAP_NAMESPACE = "kube-system"
CAPTURE_HOST_PATH = "/capture"
HEALTH_PORT = 9090
DEFAULT_GRACE_SECONDS = 5.0

REVIEWED_KINDS = {"ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Role", "DaemonSet", "Pod", "Cluster"}
WORKLOAD_KINDS = {"Pod", "DaemonSet", "Deployment", "StatefulSet", "ReplicaSet", "Job", "CronJob"}
RBAC_ROLE_KINDS = {"ClusterRole", "Role"}
RBAC_BINDING_KINDS = {"ClusterRoleBinding", "RoleBinding"}

QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei|e[0-9]+)?$")
DURATION = re.compile(r"^([0-9]+(?:\.[0-9]+)?)(ms|s|m|h)?$")


class UniqueKeyLoader(yaml.SafeLoader):
    """A duplicate key could hide a second `privileged: true`; PyYAML would keep the last one
    silently, so duplicates are an error here."""


def _construct_mapping(loader: UniqueKeyLoader, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class Report:
    def __init__(self) -> None:
        self.violations: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.violations.append(f"{where}: {message}")


def norm_cap(cap: Any) -> str:
    text = str(cap).upper()
    return text[4:] if text.startswith("CAP_") else text


def duration_seconds(text: str) -> float | None:
    match = DURATION.match(text.strip())
    if not match:
        return None
    value = float(match.group(1))
    return value * {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}[match.group(2)]


def flag_value(args: list[str], flag: str) -> str | None:
    for index, arg in enumerate(args):
        if arg == flag and index + 1 < len(args):
            return args[index + 1]
        if arg.startswith(flag + "="):
            return arg[len(flag) + 1:]
    return None


def pod_spec_of(doc: dict[str, Any]) -> dict[str, Any] | None:
    kind = doc.get("kind")
    spec = doc.get("spec") or {}
    if kind == "Pod":
        return spec
    if kind == "CronJob":
        return (((spec.get("jobTemplate") or {}).get("spec") or {}).get("template") or {}).get("spec") or {}
    return (spec.get("template") or {}).get("spec") or {}


def is_podcap_daemonset(doc: dict[str, Any]) -> bool:
    meta = doc.get("metadata") or {}
    return (doc.get("kind") == "DaemonSet" and meta.get("name") == PODCAP_NAME
            and meta.get("namespace") == PODCAP_NAMESPACE)


def containers_of(spec: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for field in ("initContainers", "containers", "ephemeralContainers"):
        for index, container in enumerate(spec.get(field) or []):
            yield f"{field}[{index}]({container.get('name', '?')})", container


def check_workload(doc: dict[str, Any], where: str, report: Report) -> None:
    spec = pod_spec_of(doc)
    if spec is None:
        report.fail(where, "no pod template")
        return
    podcap = is_podcap_daemonset(doc)

    if spec.get("hostNetwork") is True:
        report.fail(where, "hostNetwork: true is not allowed (tcpdump enters the Pod's netns instead)")
    if spec.get("hostIPC") is True:
        report.fail(where, "hostIPC: true is not allowed")
    if spec.get("hostPID") is True and not podcap:
        report.fail(where, "hostPID: true is only allowed for the podcap DaemonSet")
    if spec.get("hostUsers") is False and podcap:
        report.fail(where, "hostUsers: false breaks setns into Pods owned by the host user namespace")

    pod_sc = spec.get("securityContext") or {}
    pod_seccomp = (pod_sc.get("seccompProfile") or {}).get("type")

    for volume in spec.get("volumes") or []:
        host_path = volume.get("hostPath")
        if host_path is None:
            continue
        if not podcap:
            report.fail(where, f"volume {volume.get('name')!r}: hostPath is only allowed for podcap")
        elif host_path.get("path") != CAPTURE_HOST_PATH:
            report.fail(where, f"volume {volume.get('name')!r}: hostPath {host_path.get('path')!r} "
                               f"(only {CAPTURE_HOST_PATH} is allowed; no runtime sockets, no /proc)")
        elif host_path.get("type") != "DirectoryOrCreate":
            report.fail(where, f"hostPath {CAPTURE_HOST_PATH} must have type DirectoryOrCreate")

    for cwhere, container in containers_of(spec):
        at = f"{where} {cwhere}"
        sc = container.get("securityContext")
        if not isinstance(sc, dict):
            report.fail(at, "securityContext missing")
            sc = {}
        if sc.get("privileged") is True:
            report.fail(at, "privileged: true is not allowed")
        if sc.get("allowPrivilegeEscalation") is not False:
            report.fail(at, "allowPrivilegeEscalation must be false")
        if sc.get("procMount") not in (None, "Default"):
            report.fail(at, f"procMount {sc.get('procMount')!r} is not allowed")
        seccomp = (sc.get("seccompProfile") or {}).get("type") or pod_seccomp
        if seccomp not in ("RuntimeDefault", "Localhost"):
            report.fail(at, f"seccompProfile must be RuntimeDefault (found {seccomp!r})")
        caps = sc.get("capabilities") or {}
        if "ALL" not in {norm_cap(c) for c in caps.get("drop") or []}:
            report.fail(at, "capabilities.drop must contain ALL")
        added = {norm_cap(c) for c in caps.get("add") or []}
        allowed = ALLOWED_CAPS if podcap else frozenset()
        for cap in sorted(added - allowed):
            report.fail(at, f"capability {cap} is not allowed"
                            + (f" (allowed: {', '.join(sorted(ALLOWED_CAPS))})" if podcap else ""))
        resources = container.get("resources") or {}
        for section in ("requests", "limits"):
            for key in ("cpu", "memory"):
                value = (resources.get(section) or {}).get(key)
                if value is None:
                    report.fail(at, f"resources.{section}.{key} missing")
                elif not QUANTITY.match(str(value)):
                    report.fail(at, f"resources.{section}.{key}: {value!r} is not a quantity")
        if podcap:
            if sc.get("readOnlyRootFilesystem") is not True:
                report.fail(at, "readOnlyRootFilesystem must be true")
            check_podcap_container(container, spec, at, report)

    if podcap:
        if spec.get("hostPID") is not True:
            report.fail(where, "hostPID: true is required (container PIDs come from /proc/*/cgroup)")
        if spec.get("serviceAccountName") != PODCAP_NAME:
            report.fail(where, f"serviceAccountName must be {PODCAP_NAME}")
        if not any(t.get("operator") == "Exists" and not t.get("key") and not t.get("effect")
                   for t in spec.get("tolerations") or []):
            report.fail(where, "tolerations must include `- operator: Exists` (run on every node)")


def check_podcap_container(container: dict[str, Any], spec: dict[str, Any], at: str, report: Report) -> None:
    env = {e.get("name"): e for e in container.get("env") or []}
    node_name = (((env.get("NODE_NAME") or {}).get("valueFrom") or {}).get("fieldRef") or {}).get("fieldPath")
    args = [str(a) for a in (container.get("command") or []) + (container.get("args") or [])]
    if node_name != "spec.nodeName" and flag_value(args, "--node-name") is None:
        report.fail(at, "NODE_NAME must come from the downward API (fieldRef spec.nodeName)")
    for probe, path in (("livenessProbe", "/healthz"), ("readinessProbe", "/readyz")):
        http = (container.get(probe) or {}).get("httpGet") or {}
        port = http.get("port")
        named = {p.get("name"): p.get("containerPort") for p in container.get("ports") or []}
        port_number = named.get(port, port)
        if http.get("path") != path or port_number != HEALTH_PORT:
            report.fail(at, f"{probe} must be httpGet {path} on port {HEALTH_PORT}")
    grace_text = flag_value(args, "--grace-period")
    grace = duration_seconds(grace_text) if grace_text else DEFAULT_GRACE_SECONDS
    termination = spec.get("terminationGracePeriodSeconds", 30)
    if grace is None:
        report.fail(at, f"--grace-period {grace_text!r} is not a duration")
    elif not termination > grace:
        report.fail(at, f"terminationGracePeriodSeconds ({termination}) must exceed --grace-period ({grace}s)")
    if ("", "pods", "patch") in _removed_optional_grants and "--no-status-annotation" not in args:
        report.fail(at, "the ClusterRole lacks pods:patch, so the controller needs --no-status-annotation")


# Filled by the RBAC pass, read by the DaemonSet pass (RBAC documents are checked first).
_removed_optional_grants: set[tuple[str, str, str]] = set()


def check_role(doc: dict[str, Any], where: str, report: Report, granted: set[tuple[str, str, str]]) -> None:
    meta = doc.get("metadata") or {}
    user_role = USER_ROLES.get((doc.get("kind"), meta.get("name")))
    if doc.get("kind") == "Role" and user_role is None:
        report.fail(where, "the only namespaced Role is podcap-reader")
    if doc.get("kind") == "Role" and meta.get("namespace") != PODCAP_NAMESPACE:
        report.fail(where, f"podcap-reader belongs in {PODCAP_NAMESPACE}, beside the agents it opens")
    allowed_rules = user_role if user_role is not None else ALLOWED_RULES
    if doc.get("aggregationRule"):
        report.fail(where, "aggregationRule is not allowed (it grants whatever other roles grant)")
    for index, rule in enumerate(doc.get("rules") or []):
        at = f"{where} rules[{index}]"
        if rule.get("nonResourceURLs"):
            report.fail(at, "nonResourceURLs are not allowed")
        groups = rule.get("apiGroups") or []
        resources = rule.get("resources") or []
        verbs = rule.get("verbs") or []
        if not groups or not resources or not verbs:
            report.fail(at, "rule must name apiGroups, resources and verbs")
        for group in groups:
            for resource in resources:
                for verb in verbs:
                    if "*" in (group, resource, verb):
                        report.fail(at, f"wildcard in ({group!r}, {resource!r}, {verb!r}) is not allowed")
                        continue
                    if verb not in allowed_rules.get((group, resource), frozenset()):
                        report.fail(at, f"verb {verb!r} on {resource!r} in group {group!r} is beyond "
                                        "the minimal set")
                    elif user_role is None:
                        granted.add((group, resource, verb))


def check_binding(doc: dict[str, Any], where: str, report: Report) -> None:
    ref = doc.get("roleRef") or {}
    if ref.get("kind") != "ClusterRole" or ref.get("name") != PODCAP_NAME:
        report.fail(where, f"roleRef must be ClusterRole {PODCAP_NAME} (found {ref.get('kind')} {ref.get('name')})")
    for subject in doc.get("subjects") or []:
        if (subject.get("kind"), subject.get("name"), subject.get("namespace")) != (
                "ServiceAccount", PODCAP_NAME, PODCAP_NAMESPACE):
            report.fail(where, f"subject {subject} is not ServiceAccount {PODCAP_NAMESPACE}/{PODCAP_NAME}")


def check_kind_cluster(doc: dict[str, Any], where: str, report: Report) -> None:
    if doc.get("apiVersion") != "kind.x-k8s.io/v1alpha4":
        report.fail(where, "kind config must use apiVersion kind.x-k8s.io/v1alpha4")
    roles = [n.get("role") for n in doc.get("nodes") or []]
    if roles.count("control-plane") != 1 or roles.count("worker") < 1 or set(roles) - {"control-plane", "worker"}:
        report.fail(where, f"kind config needs one control-plane and at least one worker (found {roles})")


def load(paths: list[str]) -> list[tuple[str, dict[str, Any]]]:
    docs: list[tuple[str, dict[str, Any]]] = []
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for index, doc in enumerate(yaml.load_all(handle, Loader=UniqueKeyLoader)):
                if doc is None:
                    continue
                if not isinstance(doc, dict):
                    raise ValueError(f"{path}#{index}: not a mapping")
                name = (doc.get("metadata") or {}).get("name", "")
                docs.append((f"{path}#{index} {doc.get('kind')}/{name}", doc))
    return docs


def check(paths: list[str]) -> Report:
    report = Report()
    docs = load(paths)
    granted: set[tuple[str, str, str]] = set()
    rbac_seen = False
    for where, doc in docs:
        kind = doc.get("kind")
        if kind not in REVIEWED_KINDS:
            report.fail(where, f"kind {kind!r} has not been reviewed by this policy; extend policy-check.py")
        if kind in RBAC_ROLE_KINDS:
            name = (doc.get("metadata") or {}).get("name")
            rbac_seen = rbac_seen or (kind, name) not in USER_ROLES
            check_role(doc, where, report, granted)
        elif kind in RBAC_BINDING_KINDS:
            check_binding(doc, where, report)
    if rbac_seen:
        needed = {(g, r, v) for (g, r), verbs in ALLOWED_RULES.items() for v in verbs}
        for grant in sorted(needed - granted - OPTIONAL_GRANTS):
            report.fail("RBAC", f"missing grant {grant}: the controller needs it")
        _removed_optional_grants.clear()
        _removed_optional_grants.update(OPTIONAL_GRANTS - granted)
    for where, doc in docs:
        kind = doc.get("kind")
        if kind in WORKLOAD_KINDS:
            check_workload(doc, where, report)
        elif kind == "Cluster":
            check_kind_cluster(doc, where, report)
    return report


def main(argv: list[str]) -> int:
    quiet = "--quiet" in argv
    paths = [a for a in argv if a != "--quiet"]
    if not paths:
        repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        paths = sorted(glob.glob(os.path.join(repo, "deploy", "*.yaml")))
    try:
        report = check(paths)
    except (OSError, ValueError, yaml.YAMLError) as error:
        print(f"policy-check: cannot read manifests: {error}", file=sys.stderr)
        return 2
    for violation in report.violations:
        print(f"POLICY VIOLATION {violation}", file=sys.stderr)
    if report.violations:
        print(f"policy-check: {len(report.violations)} violation(s) in {len(paths)} file(s)", file=sys.stderr)
        return 1
    if not quiet:
        print(f"policy-check: {len(paths)} file(s) clean")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
