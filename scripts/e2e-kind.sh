#!/usr/bin/env bash
# End-to-end test of podcap on a kind cluster: the README's quick start, asserted.
#
#   1. create the kind cluster CLUSTER_NAME from KIND_CONFIG unless it exists
#   2. build IMAGE from the Dockerfile and load it into the cluster's nodes
#   3. apply deploy/daemonset.yaml, wait for the DaemonSet rollout
#   4. apply deploy/test-pod.yaml, wait until the Pod is Ready
#   5. annotate it tcpdump.antrea.io=3, wait for CaptureStarted and the status `running`
#   6. on the podcap Pod of the test Pod's node, read the files with `podcap inspect --json`
#      until they hold more than 0 packets
#   7. remove the annotation, assert the files are gone and CaptureStopped was recorded
# On failure it prints diagnostics (pods, describe, logs, events, /capture); on exit it deletes
# the test Pod, and the cluster too when this run created it and KEEP_CLUSTER is not 1.
#
# Environment: CLUSTER_NAME (podcap), KIND_CONFIG (deploy/kind-config.yaml), IMAGE (podcap:dev),
# SKIP_BUILD=1 to use an image already loaded (make kind-load), KEEP_CLUSTER=1, TIMEOUT (180s).
# Needs docker, kind, kubectl and python3. Cannot run on the project's CI machines (no Docker
# engine there); CI runs shellcheck on it, and scripts/e2e-node.sh (make e2e-node) runs the same
# steps, from the same scripts/e2e-lib.sh, on a real node there.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CLUSTER_NAME=${CLUSTER_NAME:-podcap}
KIND_CONFIG=${KIND_CONFIG:-$repo/deploy/kind-config.yaml}
IMAGE=${IMAGE:-podcap:dev}
SKIP_BUILD=${SKIP_BUILD:-0}
KEEP_CLUSTER=${KEEP_CLUSTER:-0}
TIMEOUT=${TIMEOUT:-180s}

context="kind-${CLUSTER_NAME}"
created_cluster=0

e2e_name=e2e-kind
# Every kubectl call is pinned to the kind cluster's context, never the user's current one.
kubectl_args=(--context "$context")
# shellcheck source=scripts/e2e-lib.sh
source "$repo/scripts/e2e-lib.sh"

need_tools docker kind kubectl python3

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
    timing_summary
    if [[ $status -eq 0 ]]; then
        log "PASS"
    else
        log "FAILED (exit $status)"
    fi
    exit "$status"
}
trap on_exit EXIT

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

find_podcap_pod "$test_pod"

# ---- 5. start a capture ----------------------------------------------------------------------
log "annotating $test_pod with $annotation=3"
started=$(now_ms)
k -n "$test_ns" annotate pod "$test_pod" "${annotation}=3" --overwrite
wait_until 60 "CaptureStarted event" has_event CaptureStarted
timing annotate_to_capture_started "$started"
wait_until 60 "capture files in /capture" have_capture_files

poll_until 30 1 "status annotation state capturing" status_is capturing
log "status annotation: $(k -n "$test_ns" get pod "$test_pod" -o jsonpath='{.metadata.annotations.tcpdump\.antrea\.io/status}')"

# ---- 6. the files hold packets ---------------------------------------------------------------
# The Pod's own loop sends DNS and TCP once a second; each poll adds a lookup of its own.
inspect_json="" packets=0
has_packets() {
    k -n "$test_ns" exec "$test_pod" -- nslookup kubernetes.default.svc.cluster.local > /dev/null 2>&1 || true
    local name paths=()
    for name in $(capture_files); do
        paths+=("/capture/$name")
    done
    ((${#paths[@]} > 0)) || return 1
    inspect_json=$(k -n "$system_ns" exec "$podcap_pod" -- podcap inspect --json "${paths[@]}") || return 1
    packets=$(inspect_packets <<< "$inspect_json")
    ((packets > 0))
}
poll_until 60 1 "packets in the capture files (podcap inspect --json)" has_packets
log "packets in capture: $packets"

# ---- 7. stop it ------------------------------------------------------------------------------
log "removing the annotation"
removed=$(now_ms)
k -n "$test_ns" annotate pod "$test_pod" "${annotation}-"
wait_until 60 "capture files to be deleted" no_capture_files
timing remove_to_files_gone "$removed"
wait_until 30 "CaptureStopped event" has_event CaptureStopped
log "files deleted, CaptureStopped recorded"
