#!/usr/bin/env bash
# End-to-end test of podcap on a real Kubernetes node: ../shared/realnode (kube-apiserver,
# kubelet, containerd + runc, kube-proxy, bridge CNI, v1.20.2) started on this machine, driven
# with plain kubectl the way the README's quick start is typed. `make e2e-node` runs it; `make
# test` includes it when the kit is present.
#
#    1. start the realnode (REALNODE_STATE), `source DIR/env` (KUBECONFIG)
#    2. import the image: scripts/node-image.sh (the Dockerfile's runtime stage as a root file
#       system, from deploy/runtime-programs.txt) as podcap:dev, and the test Pod's busybox:1.36
#    3. kubectl apply -f deploy/daemonset.yaml; rollout status; Ready through its readinessProbe
#       (/readyz answers once the first list of Pods came back, so the in-cluster ServiceAccount
#       token was accepted); the shipped ClusterRole is all it has (kubectl auth can-i)
#    4. kubectl apply -f deploy/test-pod.yaml (runs as 65534: a non-root workload)
#    5. annotate tcpdump.antrea.io=5: CaptureStarted in describe and get events, status `running`
#    6. exec ls -l /capture lists capture-traffic-generator.pcap0, kubectl cp copies it, tcpdump -r
#       and podcap inspect show packets from the Pod's IP
#    7. kubectl logs is JSON lines naming namespace/pod/uid; /metrics through kubectl port-forward
#    8. annotate tcpdump.antrea.io-: files gone, tcpdump gone from the node, CaptureStopped
#    9. annotate again; the kubelet restarts the killed container (new container ID): the capture
#       goes on (one tcpdump, new packets captured, files valid)
#   10. a two-container Pod: its own network namespace is captured (by IP, and packets sent by
#       its second container); kubectl delete pod while capturing: tcpdump stopped, files deleted
#  10b. stop-on: container-restart: the container's PID 1 is SIGKILLed; the capture completes at
#       once (status completed, ContainerRestarted, CaptureCompleted), its files hold the crashed
#       run's packets and none of the restarted container's, and no tcpdump starts again
#   11. kubectl -n kube-system rollout restart ds/podcap while capturing (the completed capture
#       of 10b stays as it is: no tcpdump, same files; then removing its annotation deletes them): the old agent exits
#       within its grace period with valid files, the new one resumes with exactly one tcpdump,
#       and packets captured before the restart are still readable in the Pod's files
#  11b. kubectl podcap, the plugin (scripts/e2e-plugin.sh): start/status/fetch/merge/stream/stop,
#       the agent's refusals, and the 403 line for a user without pods/exec
#   12. kubectl delete pod traffic-generator while capturing: tcpdump stopped, files deleted
# Each step's latency is printed as `TIMING name=… ms=…`. On failure: nodes, pods, describe,
# events, the agents' logs (and --previous), /capture. On exit, always: stop.sh --wipe (nothing
# left running), and /capture removed from the host if this run created it.
#
# This node is the host: hostPID shows the host's processes (pgrep finds tcpdump here), the
# hostPath /capture is the host's /capture, and the test reads the files there as well as through
# kubectl. It has no DNS: the Pods' nameserver is the node IP, where nothing answers, so each
# `nslookup <marker>` is one UDP query from the Pod that tcpdump prints with the marker name; the
# markers are how "captured before/after" is asserted.
#
# Environment: REALNODE (../shared/realnode), REALNODE_STATE (/tmp/podcap-e2e-node), PODCAP_BIN
# (.build/release/podcap, also used on the host for `podcap inspect`), IMAGE (podcap:dev),
# DELIVERABLES (a directory: write the six deliverables files there), TIMEOUT (120 s per wait).
# Needs root, python3, tcpdump, curl.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
REALNODE=${REALNODE:-$repo/../shared/realnode}
REALNODE_STATE=${REALNODE_STATE:-/tmp/podcap-e2e-node}
PODCAP_BIN=${PODCAP_BIN:-$repo/.build/release/podcap}
PLUGIN_BIN=${PLUGIN_BIN:-$repo/.build/debug/kubectl-podcap}
IMAGE=${IMAGE:-podcap:dev}
DELIVERABLES=${DELIVERABLES:-}
TIMEOUT=${TIMEOUT:-120}

e2e_name=e2e-node
kubectl_args=(--request-timeout=30s)
# shellcheck source=scripts/e2e-lib.sh
source "$repo/scripts/e2e-lib.sh"
# shellcheck source=scripts/e2e-plugin.sh
source "$repo/scripts/e2e-plugin.sh"

readonly capture_dir=/capture
run_id=$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')
readonly run_id
readonly duo_pod="e2e-duo-$run_id"
readonly crash_pod="e2e-crash-$run_id"
workdir=$(mktemp -d /tmp/podcap-e2e-node-work.XXXXXX)
started_realnode=0
created_capture_dir=0
background=()

[[ $EUID -eq 0 ]] || die "needs root (the realnode creates network devices, iptables rules and cgroups)"
need_tools kubectl python3 tcpdump curl pgrep od
[[ -x $REALNODE/start.sh ]] || die "no realnode kit at $REALNODE (set REALNODE)"
[[ -x $PODCAP_BIN ]] || die "no podcap binary at $PODCAP_BIN (make node-bin)"
[[ -x $PLUGIN_BIN ]] || die "no kubectl-podcap binary at $PLUGIN_BIN (swift build --product kubectl-podcap)"
if [[ -n $DELIVERABLES ]]; then
    mkdir -p "$DELIVERABLES"
    DELIVERABLES=$(cd "$DELIVERABLES" && pwd)
fi

# ---- host-side helpers (the node is this machine) -------------------------------------------------

# tcpdump_pids POD: PIDs of the tcpdumps on this node writing POD's capture (argv `-w
# /capture/capture-<pod>.pcap`), one a line.
tcpdump_pids() {
    local target="$capture_dir/capture-$1.pcap" pid
    for pid in $(pgrep -x tcpdump || true); do
        if { tr '\0' '\n' < "/proc/$pid/cmdline"; } 2> /dev/null | grep -qxF -- "$target"; then
            printf '%s\n' "$pid"
        fi
    done
}
no_tcpdump() { [[ -z $(tcpdump_pids "$1") ]]; }
one_tcpdump() { [[ $(tcpdump_pids "$1" | wc -l) -eq 1 ]]; }
# one_new_tcpdump POD OLD_PID: exactly one, and not OLD_PID.
one_new_tcpdump() { one_tcpdump "$1" && [[ $(tcpdump_pids "$1") != "$2" ]]; }

# host_files POD: POD's capture files in the host's /capture, one a line (same grammar as
# capture_files, which asks the podcap Pod).
host_files() {
    local path
    for path in "$capture_dir"/*; do
        [[ -f $path ]] || continue
        if is_capture_file "$1" "${path##*/}"; then printf '%s\n' "${path##*/}"; fi
    done
}
no_host_files() { [[ -z $(host_files "$1") ]]; }

# read_pcap FILE: tcpdump -nn -r FILE; stdout the packets, fails when tcpdump reports an error or
# a truncated file. Reading a file tcpdump is still writing can stop mid-record, so the callers
# of this on live files retry.
read_pcap() {
    local out err
    err=$(mktemp "$workdir/tcpdump-err.XXXXXX")
    if ! out=$(tcpdump -nn -r "$1" 2> "$err"); then
        cat "$err" >&2
        rm -f "$err"
        return 1
    fi
    if grep -qi 'truncated' "$err"; then
        cat "$err" >&2
        rm -f "$err"
        return 1
    fi
    rm -f "$err"
    printf '%s\n' "$out"
}

# pod_packets POD [TCPDUMP_FLAG…]: every packet of every capture file of POD, as tcpdump -nn
# (plus the flags) prints them.
pod_packets() {
    local name
    for name in $(host_files "$1"); do
        tcpdump -nn "${@:2}" -r "$capture_dir/$name" 2> /dev/null || true
    done
}

# files_digest POD: sha256sum of each of POD's files in the host's /capture.
files_digest() {
    local names
    mapfile -t names < <(host_files "$1")
    ((${#names[@]} > 0)) || return 1
    (cd "$capture_dir" && sha256sum -- "${names[@]}")
}

# files_valid POD: every capture file of POD reads with no error and no truncation warning.
files_valid() {
    local name
    for name in $(host_files "$1"); do
        read_pcap "$capture_dir/$name" > /dev/null 2>> "$workdir/files-valid.log" || return 1
    done
}

# send_marker POD NAME [CONTAINER]: one DNS query for NAME from POD's network namespace.
send_marker() {
    k -n "$test_ns" exec "$1" ${3:+-c "$3"} -- nslookup "$2" > /dev/null 2>&1 || true
}
marker_in_files() { pod_packets "$1" | grep -qF -- "$2"; }
# marker_captured POD NAME: sends the marker again and looks for it (for polling while tcpdump
# may only just be listening).
marker_captured() {
    send_marker "$1" "$2"
    marker_in_files "$1" "$2"
}

# container_init_pid CONTAINER_ID: the host PID of the container's init process: of the processes
# in that container's cgroup, the one whose parent is outside it (with hostPID its PID is not 1
# in any namespace, so NSpid cannot tell).
container_init_pid() {
    local id=${1#*://} path pid parent
    local -A members=()
    while IFS= read -r path; do
        pid=${path#/proc/}
        members[${pid%/cgroup}]=1
    done < <(grep -l -- "$id" /proc/[0-9]*/cgroup 2> /dev/null)
    for pid in "${!members[@]}"; do
        parent=$(awk '/^PPid:/ { print $2 }' "/proc/$pid/status" 2> /dev/null) || continue
        if [[ -n $parent && -z ${members[$parent]:-} ]]; then
            printf '%s\n' "$pid"
            return 0
        fi
    done
    return 1
}

container_id() { k -n "$test_ns" get pod "$1" -o jsonpath='{.status.containerStatuses[0].containerID}'; }
container_ready() { [[ $(k -n "$test_ns" get pod "$1" -o jsonpath='{.status.containerStatuses[0].ready}') == true ]]; }
# restarted_with_new_container POD OLD_ID: the kubelet has started another container, and it is Ready.
restarted_with_new_container() {
    local id
    id=$(container_id "$1")
    [[ -n $id && $id != "$2" ]] && container_ready "$1"
}
pid_gone() { ! kill -0 "$1" 2> /dev/null; }

# pod_deleted NAMESPACE NAME: the API server no longer has the Pod.
pod_deleted() { [[ -z $(k -n "$1" get pod "$2" --ignore-not-found -o name) ]]; }

# new_agent_ready OLD: a podcap Pod other than OLD is Ready.
new_agent_ready() {
    k -n "$system_ns" get pods -l "$podcap_selector" \
        -o jsonpath='{range .items[*]}{.metadata.name} {.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' \
        | awk -v old="$1" '$1 != old && $2 == "True" { found = 1 } END { exit !found }'
}

# in_pod_inspect_has POD IP: `podcap inspect --json` in the podcap Pod, on POD's files: packets
# from IP are there.
in_pod_inspect_has() {
    local paths=() name json
    for name in $(capture_files "$1"); do paths+=("$capture_dir/$name"); done
    ((${#paths[@]} > 0)) || return 1
    json=$(k -n "$system_ns" exec "$podcap_pod" -- podcap inspect --json "${paths[@]}") || return 1
    printf '%s\n' "$json" > "$workdir/inspect-$1.json"
    (($(inspect_packets <<< "$json") > 0)) || return 1
    python3 -c '
import json, sys
ip = sys.argv[1]
data = json.load(sys.stdin)
sys.exit(0 if any(ip in s.get("ipv4Addresses", []) for s in data) else 1)
' "$2" <<< "$json"
}

# copy_out POD FILE DEST: kubectl cp the file out of the podcap Pod, and check the copy reads
# with no truncation (a copy taken while tcpdump appends can end mid-record: copied again then).
copy_out() {
    rm -f "$3"
    k cp "$system_ns/$podcap_pod:$capture_dir/$2" "$3" > /dev/null 2>> "$workdir/kubectl-cp.log" || return 1
    [[ -s $3 ]] && read_pcap "$3" > /dev/null 2>> "$workdir/kubectl-cp.log"
}

# json_logs_name POD_UID: the agent's logs are JSON lines, and one of them names the test Pod
# with namespace, pod and uid.
json_logs_name() {
    k -n "$system_ns" logs "$podcap_pod" > "$workdir/agent.log" || return 1
    python3 -c '
import json, sys
uid, lines, bad, named = sys.argv[1], 0, [], False
def walk(node):
    if isinstance(node, dict):
        if node.get("namespace") == "default" and node.get("pod") == "traffic-generator" and node.get("uid") == uid:
            return True
        return any(walk(v) for v in node.values())
    return isinstance(node, list) and any(walk(v) for v in node)
for line in open(sys.argv[2], encoding="utf-8"):
    if not line.strip():
        continue
    lines += 1
    try:
        named = walk(json.loads(line)) or named
    except ValueError:
        bad.append(line.rstrip())
if bad:
    sys.exit("not JSON: " + bad[0][:300])
if not named:
    sys.exit(f"none of {lines} JSON lines names default/traffic-generator uid {uid}")
print(f"{lines} JSON lines, the test Pod named with namespace/pod/uid")
' "$1" "$workdir/agent.log"
}

# metrics_ok: scrape /metrics through kubectl port-forward; a capture is running.
metrics_ok() {
    local port pf body
    port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    k -n "$system_ns" port-forward "pod/$podcap_pod" "$port:9090" > "$workdir/port-forward.log" 2>&1 &
    pf=$!
    background+=("$pf")
    body=""
    local deadline=$((SECONDS + 30))
    until body=$(curl -fsS --noproxy '*' --max-time 5 "http://127.0.0.1:$port/metrics" 2> /dev/null); do
        if ((SECONDS >= deadline)) || pid_gone "$pf"; then
            cat "$workdir/port-forward.log" >&2
            kill "$pf" 2> /dev/null || true
            wait "$pf" 2> /dev/null || true
            return 1
        fi
        sleep 0.5
    done
    kill "$pf" 2> /dev/null || true
    wait "$pf" 2> /dev/null || true
    printf '%s\n' "$body" > "$workdir/metrics.txt"
    grep -qE '^podcap_captures_running(\{\})? 1(\.0*)?$' <<< "$body" || { log "podcap_captures_running is not 1"; return 1; }
    grep -qE '^podcap_captures_started_total(\{\})? [1-9]' <<< "$body" || { log "no podcap_captures_started_total"; return 1; }
    grep -qE '^podcap_packets_captured_total' <<< "$body" || { log "no podcap_packets_captured_total"; return 1; }
    log "/metrics via port-forward: $(grep -E '^podcap_(captures_running|captures_started_total|packets_captured_total)' <<< "$body" | tr '\n' ' ')"
}

deliver() { # NAME: stdin to $DELIVERABLES/NAME, when deliverables are asked for
    if [[ -n $DELIVERABLES ]]; then cat > "$DELIVERABLES/$1"; else cat > /dev/null; fi
}

# ---- diagnostics and cleanup -------------------------------------------------------------------

e2e_extra_diagnostics() {
    log "host: tcpdump processes"
    pgrep -a -x tcpdump || true
    log "host: ls -la $capture_dir"
    ls -la "$capture_dir" || true
    local component
    for component in kubelet containerd; do
        log "last lines of $REALNODE_STATE/$component.log"
        tail -n 30 "$REALNODE_STATE/$component.log" || true
    done
}

on_exit() {
    local status=$? pid
    trap - EXIT INT TERM
    if ((status != 0 && started_realnode)) && [[ -n ${KUBECONFIG:-} ]]; then
        diagnostics
    fi
    for pid in "${background[@]}"; do
        kill "$pid" 2> /dev/null || true
        wait "$pid" 2> /dev/null || true
    done
    if ((started_realnode)); then
        log "stopping the realnode ($REALNODE/stop.sh $REALNODE_STATE --wipe)"
        local stopped
        stopped=$(now_ms)
        if ! "$REALNODE/stop.sh" "$REALNODE_STATE" --wipe > "$workdir/stop.log" 2>&1; then
            cat "$workdir/stop.log"
            log "stop.sh failed"
            status=1
        fi
        timing realnode_stop "$stopped" > /dev/null
    fi
    if ((created_capture_dir)); then
        rm -rf "$capture_dir"
    fi
    local left
    left=$(pgrep -a -f "$REALNODE_STATE/|containerd-shim" || true)
    left+=$(pgrep -a -x tcpdump | grep -F -- "$capture_dir/" || true)
    if [[ -n $left ]]; then
        log "left running after stop.sh:"
        printf '%s\n' "$left"
        status=1
    fi
    timing_summary
    if ((status == 0)); then
        rm -rf "$workdir"
        log "PASS"
    else
        log "FAILED (exit $status); logs: $REALNODE_STATE/*.log, work files: $workdir"
    fi
    exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT TERM

# ---- 1. the node -------------------------------------------------------------------------------
log "== 1. start the realnode in $REALNODE_STATE"
[[ -e $capture_dir ]] || created_capture_dir=1
started=$(now_ms)
# Set first, so a start interrupted half-way is torn down by stop.sh as well; but not while another
# realnode is marked active (only one runs per machine; start.sh refuses, or cleans it up when
# its processes are dead), because stop.sh would then act on that one's containerd socket.
other=$(cat /run/realnode/active 2> /dev/null || true)
if [[ -z $other || $other == "$REALNODE_STATE" ]]; then
    started_realnode=1
fi
if ! "$REALNODE/start.sh" "$REALNODE_STATE" > "$workdir/start.out" 2> "$workdir/start.err"; then
    cat "$workdir/start.err"
    die "realnode start.sh failed"
fi
started_realnode=1
timing realnode_start "$started"
# shellcheck source=/dev/null
source "$REALNODE_STATE/env"
[[ -n ${KUBECONFIG:-} ]] || die "$REALNODE_STATE/env sets no KUBECONFIG"
k get nodes -o wide

# ---- 2. images ---------------------------------------------------------------------------------
log "== 2. images"
PODCAP_BIN=$PODCAP_BIN REALNODE=$REALNODE REALNODE_DIR=$REALNODE_DIR bash "$repo/scripts/node-image.sh" "$IMAGE"
test_image=$(k create --dry-run=client -f "$repo/deploy/test-pod.yaml" -o jsonpath='{.spec.containers[0].image}')
# deploy/test-pod.yaml is applied unchanged, and the realnode has no registry: the kit's
# busybox:local (Debian's static busybox, every applet: sh, nslookup, wget, …) is imported a
# second time under the manifest's tag ($test_image) so `imagePullPolicy: IfNotPresent` finds it.
"$REALNODE/image.sh" "$test_image" --busybox --cmd sh
log "imported $test_image (the realnode's busybox)"

# ---- 3. controller -----------------------------------------------------------------------------
log "== 3. kubectl apply -f deploy/daemonset.yaml"
k apply -f "$repo/deploy/daemonset.yaml"
if [[ $IMAGE != "$default_image" ]]; then
    k -n "$system_ns" set image daemonset/podcap "podcap=$IMAGE"
fi
started=$(now_ms)
k -n "$system_ns" rollout status daemonset/podcap --timeout="${TIMEOUT}s"
k -n "$system_ns" wait --for=condition=Ready pod -l "$podcap_selector" --timeout="${TIMEOUT}s"
timing deploy_to_agent_ready "$started"
agent=$(k -n "$system_ns" get pods -l "$podcap_selector" -o jsonpath='{.items[0].metadata.name}')
probe=$(k -n "$system_ns" get pod "$agent" -o jsonpath='{.spec.containers[0].readinessProbe.httpGet.path}')
[[ $probe == /readyz ]] || die "the agent's readiness probe is ${probe:-missing}, expected /readyz"
# Ready came from the kubelet's probe of /readyz, which answers only after the first list of this
# node's Pods: the controller talked to the API server with what the Pod has. That is in-cluster
# config: no --kubeconfig flag, no KUBECONFIG variable, the ServiceAccount's token mounted.
spec=$(k -n "$system_ns" get pod "$agent" -o jsonpath='{.spec.serviceAccountName} {.spec.containers[0].args} {.spec.containers[0].env[*].name}')
[[ $spec == podcap\ * && $spec != *kubeconfig* && $spec != *KUBECONFIG* ]] \
    || die "the agent is not on in-cluster config with ServiceAccount podcap: $spec"
k -n "$system_ns" exec "$agent" -- ls /var/run/secrets/kubernetes.io/serviceaccount/token > /dev/null \
    || die "no ServiceAccount token mounted in $agent"
sa=system:serviceaccount:kube-system:podcap
for verb_resource in "list pods" "watch pods" "patch pods" "create events" "create events.events.k8s.io"; do
    # shellcheck disable=SC2086 # two words on purpose
    [[ $(k auth can-i $verb_resource --all-namespaces --as "$sa" 2> /dev/null) == yes ]] \
        || die "the shipped ClusterRole does not grant $verb_resource to $sa"
done
for verb_resource in "get pods" "get secrets" "create pods/exec" "delete pods" "list nodes"; do
    # shellcheck disable=SC2086
    [[ $(k auth can-i $verb_resource --all-namespaces --as "$sa" 2> /dev/null) == no ]] \
        || die "$sa may $verb_resource: more than the shipped ClusterRole"
done
k -n "$system_ns" logs "$agent" | grep -F '"podcap controller starting"' | grep -qF '"config":"in-cluster"' \
    || die "the agent's start line does not say config in-cluster: $(k -n "$system_ns" logs "$agent" | head -n 3)"
log "agent $agent Ready via /readyz on in-cluster ServiceAccount credentials; RBAC is exactly the ClusterRole"

# ---- 4. test Pod -------------------------------------------------------------------------------
log "== 4. kubectl apply -f deploy/test-pod.yaml"
k apply -f "$repo/deploy/test-pod.yaml"
k -n "$test_ns" wait --for=condition=Ready "pod/$test_pod" --timeout="${TIMEOUT}s"
pod_ip=$(k -n "$test_ns" get pod "$test_pod" -o jsonpath='{.status.podIP}')
pod_uid=$(k -n "$test_ns" get pod "$test_pod" -o jsonpath='{.metadata.uid}')
[[ $(k -n "$test_ns" exec "$test_pod" -- id -u) == 65534 ]] || die "$test_pod does not run as 65534"
log "$test_pod: IP $pod_ip, uid $pod_uid, runs as 65534 (non-root)"
find_podcap_pod "$test_pod"

# ---- 5. capture --------------------------------------------------------------------------------
log "== 5. kubectl annotate pod $test_pod $annotation=5"
started=$(now_ms)
k -n "$test_ns" annotate pod "$test_pod" "${annotation}=5"
poll_until "$TIMEOUT" 0.2 "CaptureStarted Event" has_event CaptureStarted
timing annotate_to_capture_started_event "$started"
poll_until 30 0.2 "status annotation state capturing" status_is capturing
timing annotate_to_status_capturing "$started"
k -n "$test_ns" describe pod "$test_pod" > "$workdir/describe.txt"
sed -n '/^Events:/,$p' "$workdir/describe.txt" | grep -q CaptureStarted || die "describe pod shows no CaptureStarted Event"
k -n "$test_ns" get events --field-selector "involvedObject.name=$test_pod" | grep CaptureStarted \
    || die "kubectl get events shows no CaptureStarted"
log "status annotation: $(k -n "$test_ns" get pod "$test_pod" -o jsonpath='{.metadata.annotations.tcpdump\.antrea\.io/status}')"
one_tcpdump "$test_pod" || die "expected one tcpdump on the node for $test_pod, found: $(tcpdump_pids "$test_pod" | tr '\n' ' ')"

# ---- 6. files ----------------------------------------------------------------------------------
log "== 6. the capture files"
first_file="capture-${test_pod}.pcap0"
poll_until "$TIMEOUT" 1 "packets from $pod_ip in podcap inspect of the Pod's files" in_pod_inspect_has "$test_pod" "$pod_ip"
k -n "$system_ns" exec "$podcap_pod" -- ls -l "$capture_dir" > "$workdir/ls.txt"
cat "$workdir/ls.txt"
grep -qE " ${first_file}\$" "$workdir/ls.txt" || die "ls -l /capture does not list $first_file"
k -n "$system_ns" exec "$podcap_pod" -- podcap inspect "$capture_dir/$first_file"
poll_until 30 1 "a complete copy of $first_file (kubectl cp)" copy_out "$test_pod" "$first_file" "$workdir/capture.pcap"
read_pcap "$workdir/capture.pcap" > "$workdir/capture-output.txt"
grep -qF " IP $pod_ip." "$workdir/capture-output.txt" || die "tcpdump -nn -r of the copy shows no packet from $pod_ip"
"$PODCAP_BIN" inspect --json "$workdir/capture.pcap" | python3 -c '
import json, sys
summary = json.load(sys.stdin)[0]
assert summary["packets"] > 0 and sys.argv[1] in summary["ipv4Addresses"] and not summary["truncated"], summary
' "$pod_ip" || die "podcap inspect of the copy: no packets from $pod_ip"
log "kubectl cp'd $first_file: $(wc -l < "$workdir/capture-output.txt") packets, from $pod_ip among them"
{
    cat "$workdir/describe.txt"
} | deliver pod-describe.txt
k get pods -A -o wide | deliver pods.txt
deliver capture-files.txt < "$workdir/ls.txt"
deliver capture-output.txt < "$workdir/capture-output.txt"
if [[ -n $DELIVERABLES ]]; then cp "$workdir/capture.pcap" "$DELIVERABLES/capture.pcap"; fi

# ---- 7. logs and metrics -----------------------------------------------------------------------
log "== 7. kubectl logs (JSON) and /metrics (kubectl port-forward)"
json_logs_name "$pod_uid" || die "the agent's logs are not JSON lines naming the Pod"
metrics_ok || die "/metrics through kubectl port-forward"

# ---- 8. stop -----------------------------------------------------------------------------------
log "== 8. kubectl annotate pod $test_pod $annotation-"
started=$(now_ms)
k -n "$test_ns" annotate pod "$test_pod" "${annotation}-"
poll_until "$TIMEOUT" 0.2 "the Pod's files gone from ls /capture" no_capture_files "$test_pod"
timing remove_to_files_gone "$started"
poll_until 30 0.2 "tcpdump gone from the node" no_tcpdump "$test_pod"
timing remove_to_tcpdump_gone "$started"
poll_until 30 0.5 "CaptureStopped Event" has_event CaptureStopped
no_host_files "$test_pod" || die "files of $test_pod left in the host's $capture_dir"
{
    echo "\$ kubectl -n $system_ns exec $podcap_pod -- ls -l $capture_dir    # after kubectl annotate pod $test_pod $annotation-"
    k -n "$system_ns" exec "$podcap_pod" -- ls -l "$capture_dir"
    echo
    echo "\$ pgrep -a -x tcpdump | grep -F ' $capture_dir/'    # on the node: tcpdumps writing into $capture_dir"
    { pgrep -a -x tcpdump || true; } | grep -F " $capture_dir/" || echo "(none)"
    echo
    echo "\$ kubectl get events --field-selector involvedObject.name=$test_pod"
    k -n "$test_ns" get events --field-selector "involvedObject.name=$test_pod" --sort-by=.lastTimestamp
    echo
    echo "\$ kubectl describe pod $test_pod | sed -n '/^Events:/,\$p'"
    k -n "$test_ns" describe pod "$test_pod" | sed -n '/^Events:/,$p'
} > "$workdir/cleanup.txt"
deliver cleanup-verification.txt < "$workdir/cleanup.txt"
log "files and tcpdump gone, CaptureStopped recorded"

# ---- 9. the container restarts while capturing ---------------------------------------------------
log "== 9. the kubelet restarts the captured container"
starts=$(event_count CaptureStarted)
k -n "$test_ns" annotate pod "$test_pod" "${annotation}=5"
poll_until "$TIMEOUT" 0.2 "a new CaptureStarted Event" event_count_above CaptureStarted "$starts"
poll_until 30 0.2 "one tcpdump" one_tcpdump "$test_pod"
capturing=$(tcpdump_pids "$test_pod")
old_container=$(container_id "$test_pod")
init_pid=$(container_init_pid "$old_container") || die "no process of container $old_container on the node"
restarts=$(k -n "$test_ns" get pod "$test_pod" -o jsonpath='{.status.containerStatuses[0].restartCount}')
log "killing the container's PID 1 (host PID $init_pid, $old_container) with SIGKILL"
started=$(now_ms)
kill -KILL "$init_pid"
poll_until "$TIMEOUT" 0.5 "a new, Ready container" restarted_with_new_container "$test_pod" "$old_container"
timing container_kill_to_new_container_ready "$started"
new_container=$(container_id "$test_pod")
[[ $(k -n "$test_ns" get pod "$test_pod" -o jsonpath='{.status.containerStatuses[0].restartCount}') -gt $restarts ]] \
    || die "restartCount did not grow"
marker="after-container-restart-$run_id.podcap.test"
poll_until 60 1 "marker $marker in the Pod's files" marker_captured "$test_pod" "$marker"
timing container_kill_to_new_packets_captured "$started"
one_tcpdump "$test_pod" || die "not exactly one tcpdump after the container restart: $(tcpdump_pids "$test_pod" | tr '\n' ' ')"
if [[ $(tcpdump_pids "$test_pod") == "$capturing" ]]; then
    log "the same tcpdump (PID $capturing) went on capturing through the restart to $new_container"
else
    log "tcpdump was restarted (PID $capturing -> $(tcpdump_pids "$test_pod")) for $new_container"
fi
poll_until 30 1 "the Pod's files to read without errors" files_valid "$test_pod"

# ---- 10. two containers; kubectl delete pod while capturing ---------------------------------------
log "== 10. a two-container Pod ($duo_pod), then kubectl delete pod"
duo_marker="duo-second-container-$run_id.podcap.test"
k apply -f - << EOF
apiVersion: v1
kind: Pod
metadata:
  name: $duo_pod
  namespace: $test_ns
spec:
  terminationGracePeriodSeconds: 2
  automountServiceAccountToken: false
  containers:
    - name: first
      image: $test_image
      imagePullPolicy: IfNotPresent
      command: ["sh", "-c", "trap 'exit 0' TERM; while true; do sleep 1; done"]
    - name: second
      image: $test_image
      imagePullPolicy: IfNotPresent
      securityContext:
        runAsUser: 65534
        runAsGroup: 65534
      command: ["sh", "-c", "trap 'exit 0' TERM; while true; do nslookup $duo_marker >/dev/null 2>&1; sleep 1; done"]
EOF
k -n "$test_ns" wait --for=condition=Ready "pod/$duo_pod" --timeout="${TIMEOUT}s"
duo_ip=$(k -n "$test_ns" get pod "$duo_pod" -o jsonpath='{.status.podIP}')
k -n "$test_ns" annotate pod "$duo_pod" "${annotation}=2"
poll_until "$TIMEOUT" 0.2 "CaptureStarted Event for $duo_pod" has_event CaptureStarted "$duo_pod"
poll_until 60 1 "packets of the second container in $duo_pod's files" marker_in_files "$duo_pod" "$duo_marker"
pod_packets "$duo_pod" | grep -qF " IP $duo_ip." || die "$duo_pod's capture has no packet from its IP $duo_ip"
if pod_packets "$duo_pod" | grep -qF " IP $pod_ip."; then
    die "$duo_pod's capture has packets of $test_pod ($pod_ip): not the Pod's own network namespace"
fi
log "$duo_pod ($duo_ip): $(status_field message "$duo_pod" || true)"
one_tcpdump "$duo_pod" || die "not exactly one tcpdump for $duo_pod"
started=$(now_ms)
k -n "$test_ns" delete pod "$duo_pod" --wait=false
poll_until "$TIMEOUT" 0.2 "$duo_pod's files gone" no_capture_files "$duo_pod"
timing delete_pod_to_files_gone "$started"
poll_until 30 0.2 "$duo_pod's tcpdump gone" no_tcpdump "$duo_pod"
timing delete_pod_to_tcpdump_gone "$started"
no_host_files "$duo_pod" || die "files of $duo_pod left on the node"
k -n "$test_ns" wait --for=delete "pod/$duo_pod" --timeout="${TIMEOUT}s"

# ---- 10b. stop-on: container-restart, the flight recorder -----------------------------------------
log "== 10b. stop-on: container-restart ($crash_pod): the container is killed, the capture completes"
# Each run of the container names itself (run=<8 hex>) and sends five DNS queries a second
# carrying that name and a sequence number; nslookup runs in the background because nothing
# answers on this node.
k apply -f - << EOF
apiVersion: v1
kind: Pod
metadata:
  name: $crash_pod
  namespace: $test_ns
spec:
  terminationGracePeriodSeconds: 2
  automountServiceAccountToken: false
  containers:
    - name: app
      image: $test_image
      imagePullPolicy: IfNotPresent
      command: ["sh", "-c", "run=\$(cut -c1-8 /proc/sys/kernel/random/uuid); echo run=\$run; i=0; while true; do i=\$((i+1)); nslookup crash-\$run-\$i.podcap.test > /dev/null 2>&1 & echo sent \$i; sleep 0.2; done"]
EOF
k -n "$test_ns" wait --for=condition=Ready "pod/$crash_pod" --timeout="${TIMEOUT}s"
k -n "$test_ns" annotate pod "$crash_pod" "${annotation}=2" "${annotation}/stop-on=container-restart"
poll_until "$TIMEOUT" 0.2 "CaptureStarted Event for $crash_pod" has_event CaptureStarted "$crash_pod"
one_tcpdump "$crash_pod" || die "not exactly one tcpdump for $crash_pod"
old_run=$(k -n "$test_ns" logs "$crash_pod" | sed -n 's/^run=//p' | head -n 1)
[[ -n $old_run ]] || die "$crash_pod did not print its run name"
poll_until 60 0.5 "queries of run $old_run in $crash_pod's files" marker_in_files "$crash_pod" "crash-$old_run-"
crash_container=$(container_id "$crash_pod")
crash_init=$(container_init_pid "$crash_container") || die "no process of container $crash_container on the node"
log "killing $crash_pod's container PID 1 (host PID $crash_init) with SIGKILL"
killed_ms=$(now_ms)
kill -KILL "$crash_init"
poll_until 30 0.05 "$crash_pod's status completed" status_is completed "$crash_pod"
timing container_kill_to_status_completed "$killed_ms"
[[ $(status_field reason "$crash_pod") == ContainerRestarted ]] || die "completion reason: $(status_field reason "$crash_pod")"
no_tcpdump "$crash_pod" || die "tcpdump of $crash_pod still runs after Completed"
poll_until 30 0.5 "CaptureCompleted Event for $crash_pod" has_event CaptureCompleted "$crash_pod"
k -n "$system_ns" logs "$podcap_pod" > "$workdir/agent-crash.log"
completed_logged=$(python3 -c '
import datetime, json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    try:
        entry = json.loads(line)
    except ValueError:
        continue
    if entry.get("event") == "completed" and entry.get("pod") == sys.argv[2]:
        t = datetime.datetime.strptime(entry["time"], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
        print(round(t.timestamp() * 1000) - int(sys.argv[3]))
        break
' "$workdir/agent-crash.log" "$crash_pod" "$killed_ms")
[[ -n $completed_logged ]] || die "the agent did not log the completion of $crash_pod"
printf 'TIMING name=container_kill_to_completed_logged ms=%s\n' "$completed_logged"
timings+=("TIMING name=container_kill_to_completed_logged ms=$completed_logged")
# The kubelet restarts the container; the frozen capture must not take its packets in.
poll_until "$TIMEOUT" 0.5 "a new, Ready container for $crash_pod" restarted_with_new_container "$crash_pod" "$crash_container"
new_run=$(k -n "$test_ns" logs "$crash_pod" | sed -n 's/^run=//p' | head -n 1)
[[ -n $new_run && $new_run != "$old_run" ]] || die "no new run of $crash_pod's container ($old_run -> $new_run)"
new_run_sent() { (($(k -n "$test_ns" logs "$crash_pod" | grep -c '^sent ') >= 10)); }
poll_until 60 0.5 "ten queries of the new run $new_run" new_run_sent
no_tcpdump "$crash_pod" || die "a new tcpdump started for $crash_pod after it completed"
files_valid "$crash_pod" || die "$crash_pod's files do not read cleanly"
marker_in_files "$crash_pod" "crash-$old_run-" || die "the crashed run's packets are gone"
if marker_in_files "$crash_pod" "crash-$new_run-"; then die "packets of the restarted container in the frozen capture"; fi
# tcpdump -tt: seconds.microseconds since the epoch; the last query of the crashed run precedes the kill.
last_old_ms=$(pod_packets "$crash_pod" -tt | sort -n | grep -F "crash-$old_run-" | awk 'END { printf "%.0f", $1 * 1000 }')
last_ms=$(pod_packets "$crash_pod" -tt | sort -n | awk 'END { printf "%.0f", $1 * 1000 }')
((last_old_ms <= killed_ms + 1)) || die "a query of the crashed run is stamped $((last_old_ms - killed_ms)) ms after the kill"
log "$crash_pod: last query of run $old_run $((killed_ms - last_old_ms)) ms before the kill, last packet at kill$(printf '%+d' $((last_ms - killed_ms))) ms; $(pod_packets "$crash_pod" | grep -c "crash-$old_run-") queries of run $old_run kept, none of run $new_run"
crash_sums=$(files_digest "$crash_pod")
log "$crash_pod: $(status_field message "$crash_pod")"

# ---- 11. rollout restart while capturing ---------------------------------------------------------
log "== 11. kubectl -n $system_ns rollout restart ds/podcap while capturing"
before="before-rollout-restart-$run_id.podcap.test"
poll_until 60 1 "marker $before in the Pod's files" marker_captured "$test_pod" "$before"
old_agent=$podcap_pod
old_tcpdump=$(tcpdump_pids "$test_pod")
agent_container=$(k -n "$system_ns" get pod "$old_agent" -o jsonpath='{.status.containerStatuses[0].containerID}')
agent_pid=$(container_init_pid "$agent_container") || die "no process of the agent's container on the node"
grace=$(k -n "$system_ns" get pod "$old_agent" -o jsonpath='{.spec.terminationGracePeriodSeconds}')
k -n "$system_ns" logs -f "$old_agent" > "$workdir/old-agent.log" 2>&1 &
background+=("$!")
starts=$(event_count CaptureStarted)
started=$(now_ms)
k -n "$system_ns" rollout restart daemonset/podcap
poll_until $((grace + 30)) 0.2 "the old agent (host PID $agent_pid) to exit" pid_gone "$agent_pid"
timing rollout_restart_to_old_agent_exit "$started"
exited_ms=$(($(now_ms) - started))
((exited_ms < grace * 1000)) || die "the old agent took ${exited_ms} ms, not within its ${grace}s grace period (SIGKILLed)"
pid_gone "$old_tcpdump" || die "the old agent left its tcpdump (PID $old_tcpdump) running"
# The kubelet deletes the Pod object only once it has reclaimed the Pod's resources, and the
# DaemonSet controller creates the replacement only then: measured 10-60 s here, while the agent
# itself exited in under a second.
poll_until $((TIMEOUT * 2)) 0.2 "the old agent's Pod deleted" pod_deleted "$system_ns" "$old_agent"
timing rollout_restart_to_old_agent_pod_deleted "$started"
poll_until "$TIMEOUT" 0.2 "a new agent Ready" new_agent_ready "$old_agent"
timing rollout_restart_to_new_agent_ready "$started"
poll_until "$TIMEOUT" 0.2 "one new tcpdump" one_new_tcpdump "$test_pod" "$old_tcpdump"
timing rollout_restart_to_capture_resumed "$started"
poll_until "$TIMEOUT" 0.2 "the new agent's CaptureStarted Event" event_count_above CaptureStarted "$starts"
timing rollout_restart_to_capture_started_event "$started"
k -n "$system_ns" rollout status daemonset/podcap --timeout="${TIMEOUT}s"
timing rollout_restart_to_rollout_complete "$started"
find_podcap_pod "$test_pod"
[[ $podcap_pod != "$old_agent" ]] || die "the agent was not replaced"
if ! grep '"capture stopped"' "$workdir/old-agent.log" | grep -q 'shutdown'; then
    die "the old agent did not log stopping its capture for shutdown: $(tail -n 5 "$workdir/old-agent.log")"
fi
grep -q 'podcap controller stopped' "$workdir/old-agent.log" \
    || die "the old agent did not finish its graceful shutdown: $(tail -n 5 "$workdir/old-agent.log")"
log "old agent $old_agent exited in ${exited_ms} ms (grace ${grace}s), after stopping its tcpdump"
mapfile -t files < <(host_files "$test_pod")
log "the Pod's files after the restart: ${files[*]}"
((${#files[@]} <= 5)) || die "${#files[@]} files for tcpdump.antrea.io=5"
poll_until 30 1 "the Pod's files to read without errors (no truncated dump file)" files_valid "$test_pod"
poll_until 30 1 "marker $before (captured before the restart) in the Pod's files" marker_in_files "$test_pod" "$before"
log "packets captured before the restart are still readable"
after="after-rollout-restart-$run_id.podcap.test"
poll_until 60 1 "marker $after in the Pod's files" marker_captured "$test_pod" "$after"
one_tcpdump "$test_pod" || die "not exactly one tcpdump after the restart: $(tcpdump_pids "$test_pod" | tr '\n' ' ')"
listed=$(status_field files) || die "no status annotation after the restart"
for name in $(host_files "$test_pod"); do
    grep -qxF "$capture_dir/$name" <<< "$listed" || die "$name is not listed in the status annotation: $listed"
done
json_logs_name "$pod_uid" || die "the new agent's logs are not JSON lines naming the Pod"
log "new agent $podcap_pod resumed the capture with one tcpdump; every file is listed in the status"
# The completed flight-recorder capture survived the restart as it was: not run again.
no_tcpdump "$crash_pod" || die "the new agent started a tcpdump for the completed capture of $crash_pod"
status_is completed "$crash_pod" || die "$crash_pod's status after the restart: $(status_field state "$crash_pod")"
[[ $(files_digest "$crash_pod") == "$crash_sums" ]] \
    || die "$crash_pod's completed files changed across the agent restart"
log "the completed capture of $crash_pod was kept as it was by the new agent"
started=$(now_ms)
k -n "$test_ns" annotate pod "$crash_pod" "${annotation}-" "${annotation}/stop-on-"
poll_until "$TIMEOUT" 0.2 "$crash_pod's files gone" no_capture_files "$crash_pod"
timing completed_remove_to_files_gone "$started"
no_host_files "$crash_pod" || die "files of $crash_pod left on the node"
k -n "$test_ns" delete pod "$crash_pod" --wait=false

# ---- 11b. kubectl podcap ------------------------------------------------------------------------
plugin_steps

# ---- 12. kubectl delete pod while capturing ----------------------------------------------------
log "== 12. kubectl delete pod $test_pod while capturing"
started=$(now_ms)
k -n "$test_ns" delete pod "$test_pod" --wait=false
poll_until "$TIMEOUT" 0.2 "the Pod's files gone" no_capture_files "$test_pod"
timing delete_pod_to_files_gone_after_restart "$started"
poll_until 30 0.2 "tcpdump gone" no_tcpdump "$test_pod"
no_host_files "$test_pod" || die "files of $test_pod left on the node"
k -n "$test_ns" wait --for=delete "pod/$test_pod" --timeout="${TIMEOUT}s"
if [[ -n $DELIVERABLES ]]; then
    for name in pod-describe.txt pods.txt capture-files.txt capture.pcap capture-output.txt cleanup-verification.txt; do
        [[ -s $DELIVERABLES/$name ]] || die "deliverable $DELIVERABLES/$name was not written"
    done
    log "deliverables written to $DELIVERABLES"
fi
log "all steps passed"
