#!/usr/bin/env bash
# End-to-end test of podcap on a kind cluster: the README's quick start, asserted.
#
#   1. create the kind cluster CLUSTER_NAME from KIND_CONFIG unless it exists
#   2. build IMAGE from the Dockerfile and load it into the cluster's nodes
#   3. apply deploy/daemonset.yaml, wait for the DaemonSet rollout
#   4. apply deploy/test-pod.yaml, wait until the Pod is Ready
#   5. annotate it tcpdump.antrea.io=3, generate traffic, wait for CaptureStarted
#   6. on the podcap Pod of the test Pod's node, read the files with `podcap inspect --json`
#      and assert they hold more than 0 packets
#   7. remove the annotation, assert the files are gone and CaptureStopped was recorded
# On failure it prints diagnostics (pods, describe, logs, events, /capture); on exit it deletes
# the test Pod, and the cluster too when this run created it and KEEP_CLUSTER is not 1.
#
# Environment: CLUSTER_NAME (podcap), KIND_CONFIG (deploy/kind-config.yaml), IMAGE (podcap:dev),
# SKIP_BUILD=1 to use an image already loaded (make kind-load), KEEP_CLUSTER=1, TIMEOUT (180s).
# Needs docker, kind, kubectl and python3. Cannot run on the project's CI machines (no Docker
# engine there); CI runs shellcheck on it.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CLUSTER_NAME=${CLUSTER_NAME:-podcap}
KIND_CONFIG=${KIND_CONFIG:-$repo/deploy/kind-config.yaml}
IMAGE=${IMAGE:-podcap:dev}
SKIP_BUILD=${SKIP_BUILD:-0}
KEEP_CLUSTER=${KEEP_CLUSTER:-0}
TIMEOUT=${TIMEOUT:-180s}

readonly system_ns=kube-system
readonly test_ns=default
readonly test_pod=traffic-generator
readonly annotation=tcpdump.antrea.io
readonly file_prefix="capture-${test_pod}.pcap"
readonly default_image=podcap:dev

context="kind-${CLUSTER_NAME}"
created_cluster=0
podcap_pod=""

log() { printf '[e2e %(%H:%M:%S)T] %s\n' -1 "$*"; }
die() { log "FAIL: $*"; exit 1; }

# Every kubectl call is pinned to the kind cluster's context, never the user's current one.
k() { kubectl --context "$context" "$@"; }

for tool in docker kind kubectl python3; do
    command -v "$tool" > /dev/null || die "$tool is required"
done

diagnostics() {
    log "---- diagnostics ----"
    k get nodes -o wide || true
    k get pods --all-namespaces -o wide || true
    k -n "$system_ns" describe daemonset podcap || true
    k -n "$system_ns" describe pods -l app.kubernetes.io/name=podcap || true
    k -n "$system_ns" logs -l app.kubernetes.io/name=podcap --all-containers --prefix --tail=300 || true
    k -n "$system_ns" logs -l app.kubernetes.io/name=podcap --all-containers --prefix --tail=100 --previous || true
    k -n "$test_ns" describe pod "$test_pod" || true
    k get events --all-namespaces --sort-by=.lastTimestamp || true
    if [[ -n $podcap_pod ]]; then
        k -n "$system_ns" exec "$podcap_pod" -- ls -la /capture || true
    fi
}

on_exit() {
    local status=$?
    trap - EXIT
    if [[ $status -ne 0 ]]; then
        diagnostics
    fi
    log "cleaning up"
    k -n "$test_ns" delete pod "$test_pod" --ignore-not-found --wait=false > /dev/null 2>&1 || true
    if [[ $created_cluster -eq 1 && $KEEP_CLUSTER != 1 ]]; then
        kind delete cluster --name "$CLUSTER_NAME" || true
    fi
    if [[ $status -eq 0 ]]; then
        log "PASS"
    else
        log "FAILED (exit $status)"
    fi
    exit "$status"
}
trap on_exit EXIT

# wait_until SECONDS DESCRIPTION COMMAND...: retry COMMAND every 2s until it succeeds.
wait_until() {
    local seconds=$1 what=$2
    shift 2
    local deadline=$((SECONDS + seconds))
    until "$@"; do
        ((SECONDS < deadline)) || die "timed out after ${seconds}s waiting for $what"
        sleep 2
    done
}

# capture_files: print the names of the test Pod's capture files in /capture, one a line.
# `ls -1` runs without a shell; the name filter happens here, so no command string is built.
capture_files() {
    local name
    while IFS= read -r name; do
        [[ $name == "$file_prefix"* ]] && printf '%s\n' "$name"
    done < <(k -n "$system_ns" exec "$podcap_pod" -- ls -1 /capture)
}

have_capture_files() { [[ -n $(capture_files) ]]; }
no_capture_files() { [[ -z $(capture_files) ]]; }

# has_event REASON: the test Pod has an Event with that reason (core view of events.k8s.io too).
has_event() {
    [[ -n $(k -n "$test_ns" get events \
        --field-selector "involvedObject.name=${test_pod},reason=$1" -o name) ]]
}

# ---- 1. cluster ------------------------------------------------------------------------------
# Captured first: `kind … | grep -q` under pipefail could fail on SIGPIPE when grep exits early.
clusters=$(kind get clusters 2> /dev/null || true)
if grep -qx -- "$CLUSTER_NAME" <<< "$clusters"; then
    log "using existing kind cluster $CLUSTER_NAME"
else
    log "creating kind cluster $CLUSTER_NAME from $KIND_CONFIG"
    created_cluster=1
    kind create cluster --name "$CLUSTER_NAME" --config "$KIND_CONFIG" --wait "$TIMEOUT"
fi

# ---- 2. image --------------------------------------------------------------------------------
if [[ $SKIP_BUILD != 1 ]]; then
    log "building $IMAGE"
    docker build --tag "$IMAGE" "$repo"
    kind load docker-image "$IMAGE" --name "$CLUSTER_NAME"
fi
# Preload the test Pod's image when the workstation has it, so the nodes need no registry.
test_image=$(k create --dry-run=client -f "$repo/deploy/test-pod.yaml" \
    -o jsonpath='{.spec.containers[0].image}')
if docker image inspect "$test_image" > /dev/null 2>&1; then
    kind load docker-image "$test_image" --name "$CLUSTER_NAME"
fi

# ---- 3. controller ---------------------------------------------------------------------------
log "deploying podcap"
k apply -f "$repo/deploy/daemonset.yaml"
if [[ $IMAGE != "$default_image" ]]; then
    k -n "$system_ns" set image daemonset/podcap "podcap=$IMAGE"
fi
k -n "$system_ns" rollout status daemonset/podcap --timeout="$TIMEOUT"

# ---- 4. test Pod -----------------------------------------------------------------------------
log "starting the traffic generator"
k apply -f "$repo/deploy/test-pod.yaml"
k -n "$test_ns" wait --for=condition=Ready "pod/$test_pod" --timeout="$TIMEOUT"

node=$(k -n "$test_ns" get pod "$test_pod" -o jsonpath='{.spec.nodeName}')
[[ -n $node ]] || die "test Pod has no node"
podcap_pod=$(k -n "$system_ns" get pods -l app.kubernetes.io/name=podcap \
    --field-selector "spec.nodeName=${node}" -o jsonpath='{.items[0].metadata.name}')
[[ -n $podcap_pod ]] || die "no podcap Pod on node $node"
log "test Pod runs on $node, its podcap Pod is $podcap_pod"

# ---- 5. start a capture ----------------------------------------------------------------------
log "annotating $test_pod with $annotation=3"
k -n "$test_ns" annotate pod "$test_pod" "${annotation}=3" --overwrite
wait_until 60 "CaptureStarted event" has_event CaptureStarted
wait_until 60 "capture files in /capture" have_capture_files

# The Pod's own loop sends DNS and TCP once a second; a few extra lookups make sure packets
# exist even if the loop was between iterations.
for _ in 1 2 3 4 5; do
    k -n "$test_ns" exec "$test_pod" -- nslookup kubernetes.default.svc.cluster.local > /dev/null 2>&1 || true
    sleep 1
done
sleep 5

status_annotation=$(k -n "$test_ns" get pod "$test_pod" \
    -o jsonpath='{.metadata.annotations.tcpdump\.antrea\.io/status}')
[[ -n $status_annotation ]] || die "status annotation $annotation/status missing"
log "status annotation: $status_annotation"

# ---- 6. the files hold packets ---------------------------------------------------------------
mapfile -t files < <(capture_files)
((${#files[@]} > 0)) || die "capture files vanished"
paths=()
for file in "${files[@]}"; do
    paths+=("/capture/$file")
done
log "inspecting ${paths[*]}"
inspect_json=$(k -n "$system_ns" exec "$podcap_pod" -- podcap inspect --json "${paths[@]}")

# The JSON is read for any integer under a key named like "packets"/"packetCount"; the
# largest one (a total, or the busiest file) must be positive.
packets=$(python3 -c '
import json, re, sys
def walk(node):
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, int) and not isinstance(value, bool) and re.fullmatch(r"(?i)packets?(_?count)?|total_?packets", key):
                yield value
            else:
                yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)
print(max(walk(json.loads(sys.stdin.read())), default=0))
' <<< "$inspect_json")
log "packets in capture: $packets"
((packets > 0)) || die "capture holds no packets: $inspect_json"

# ---- 7. stop it ------------------------------------------------------------------------------
log "removing the annotation"
k -n "$test_ns" annotate pod "$test_pod" "${annotation}-"
wait_until 60 "capture files to be deleted" no_capture_files
wait_until 30 "CaptureStopped event" has_event CaptureStopped
log "files deleted, CaptureStopped recorded"
