# syntax=docker/dockerfile:1
#
# podcap image: compile in the official Swift toolchain image, ship on plain Ubuntu 24.04.
# Linted in CI by hadolint plus scripts/lint-dockerfile.py (see mk/deploy.mk: lint-dockerfile);
# no Docker engine runs on the project's machines, so the build itself is exercised by the
# kind workflow (make kind-load / make e2e) on a workstation.

# ---------------------------------------------------------------------------------------------
# Build stage.
# Package.swift declares swift-tools-version 6.2, so the toolchain must be >= 6.2. The noble
# variant is chosen so that the one shared C library the binary links (libpcap.so.0.8) comes
# from the same Ubuntu release as the runtime stage: same soname, same ABI.
# ---------------------------------------------------------------------------------------------
FROM swift:6.2-noble AS build

# bash with pipefail: a failing command on the left of a pipe must fail the RUN.
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# libpcap-dev: the CPcap system-library target (Package.swift) includes <pcap/pcap.h> and links
# -lpcap; pkgconf lets SwiftPM resolve it through `pkgConfig: "libpcap"` instead of guessing.
# libyaml-dev: the CLibYAML target (kubeconfig parsing) includes <yaml.h>; podcap links its
# libyaml.a statically, so the runtime stage needs no libyaml-0-2.
# Versions are not pinned: the Ubuntu archive drops superseded versions, so a pin would break
# the build within weeks; the base image tag pins the release instead.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends libpcap-dev libyaml-dev pkgconf \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# Manifests first, so dependency resolution is cached while only the sources change.
# Package.resolved is git-ignored in this repo; the glob keeps COPY from failing without it.
COPY Package.swift Package.resolved* ./
RUN swift package resolve

# Tests/ is copied because SwiftPM validates every declared target's directory, even when only
# one product is built.
COPY Sources ./Sources
COPY Tests ./Tests

# --static-swift-stdlib: the runtime stage has no Swift runtime, so the Swift standard library
# and FoundationEssentials are linked into the binary (no full Foundation, so no ICU data:
# scripts/check-no-icu.sh guards it); only glibc and libpcap stay dynamic.
RUN swift build -c release --static-swift-stdlib --product podcap \
 && install -D -m 0755 "$(swift build -c release --show-bin-path)/podcap" /out/podcap

# ---------------------------------------------------------------------------------------------
# Runtime stage: exactly what runs, nothing else.
#   tcpdump        - the capture process (exec'd by the controller through nsenter)
#   libpcap0.8t64  - noble's name for libpcap.so.0.8 (t64 ABI transition); podcap itself links
#                    it for `podcap inspect`, tcpdump depends on it too
#   util-linux     - provides /usr/bin/nsenter (already in the base image; listed so the
#                    dependency is explicit and survives a base image that trims it)
#   bash           - for `kubectl exec -it … -- bash` when an operator debugs a node
#   ca-certificates- TLS roots for a --kubeconfig pointing at an API server with a public CA
#                    (in-cluster, the ServiceAccount's ca.crt is used instead)
# `kubectl cp` needs tar and `kubectl exec … ls -l /capture` needs ls in the container; both are
# part of ubuntu:24.04 (Essential: tar, coreutils), so they are not listed. No crictl: container
# PIDs come from /proc/*/cgroup, not from the CRI. deploy/runtime-programs.txt lists all of this
# for the realnode image (make node-image); make lint checks the two agree.
# ---------------------------------------------------------------------------------------------
FROM ubuntu:24.04

# bash is part of ubuntu:24.04 already (Essential: yes), so it can run RUN lines from the start.
SHELL ["/bin/bash", "-o", "pipefail", "-c"]

# Versions unpinned for the same reason as in the build stage.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends tcpdump libpcap0.8t64 util-linux bash ca-certificates \
 && rm -rf /var/lib/apt/lists/*

COPY --from=build /out/podcap /usr/local/bin/podcap

# Fail the image build, not the first capture, if a shared library or a runtime program is
# missing: ldd must resolve everything, and every program of deploy/runtime-programs.txt (the
# list the Docker-less realnode image is built from; scripts/lint-runtime-programs.py keeps this
# stage and that list naming the same programs) must be on PATH.
RUN if ldd /usr/local/bin/podcap | grep -q 'not found'; then ldd /usr/local/bin/podcap; exit 1; fi \
 && command -v nsenter \
 && command -v tcpdump \
 && command -v bash \
 && command -v tar \
 && command -v ls \
 && /usr/local/bin/podcap --help > /dev/null

# Why root (UID 0) and not a dedicated user with file capabilities:
# - nsenter --net calls setns(2), which needs CAP_SYS_ADMIN in the init user namespace (the
#   target Pod's netns is owned by it), and opening /proc/<pid>/ns/net of another container's
#   process needs CAP_SYS_PTRACE (ptrace access check); tcpdump needs CAP_NET_RAW for its
#   AF_PACKET socket, and `-Z root` makes it call initgroups(3), which needs CAP_SETGID.
# - A non-root UID loses its permitted capabilities on every execve(2) unless they are ambient
#   or set as file capabilities on each binary. File capabilities on nsenter and tcpdump would
#   be inherited by anything that can exec them, and Kubernetes has no field for ambient
#   capabilities, so the non-root variant is both wider and harder to audit.
# - Root here is not "all of root": the DaemonSet drops ALL capabilities and adds back only the
#   four above, sets allowPrivilegeEscalation=false, readOnlyRootFilesystem=true and the
#   RuntimeDefault seccomp profile (see deploy/daemonset.yaml). UID 0 also owns /capture on
#   the node (hostPath DirectoryOrCreate creates it root:root 0755), so no CAP_DAC_OVERRIDE.
# hadolint ignore=DL3002
USER 0:0

# No HEALTHCHECK: Kubernetes ignores it; the DaemonSet's liveness/readiness probes call
# /healthz and /readyz on --listen (:9090) instead.
EXPOSE 9090
ENTRYPOINT ["/usr/local/bin/podcap"]
CMD ["controller"]
