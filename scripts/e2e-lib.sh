# shellcheck shell=bash
# Shared by scripts/e2e-kind.sh and scripts/e2e-node.sh (sourced, never run): the steps of the
# README's quick start both end-to-end tests assert, and the helpers they wait and report with.
#
# The caller sets, before calling these functions:
#   e2e_name       log prefix (e2e-kind, e2e-node)
#   kubectl_args   array of arguments every kubectl call gets (kind: --context kind-podcap)
#   podcap_pod     the podcap Pod on the test Pod's node (find_podcap_pod sets it)
# and may define e2e_extra_diagnostics, called at the end of diagnostics.

readonly system_ns=kube-system
readonly test_ns=default
readonly test_pod=traffic-generator
readonly podcap_selector=app.kubernetes.io/name=podcap
# Used by the scripts that source this file.
# shellcheck disable=SC2034
readonly annotation=tcpdump.antrea.io default_image=podcap:dev

e2e_name=${e2e_name:-e2e}
declare -p kubectl_args > /dev/null 2>&1 || kubectl_args=()
podcap_pod=${podcap_pod:-}
timings=()

log() { printf '[%s %(%H:%M:%S)T] %s\n' "$e2e_name" -1 "$*"; }
die() { log "FAIL: $*"; exit 1; }

k() { kubectl "${kubectl_args[@]}" "$@"; }

need_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" > /dev/null || die "$tool is required"
    done
}

# ---- time ----------------------------------------------------------------------------------------

now_ms() { date +%s%3N; }

# timing NAME START_MS: prints `TIMING name=NAME ms=<now - START_MS>` and remembers it for
# timing_summary.
timing() {
    local line
    line="TIMING name=$1 ms=$(($(now_ms) - $2))"
    timings+=("$line")
    printf '%s\n' "$line"
}

timing_summary() {
    local line
    ((${#timings[@]} > 0)) || return 0
    log "timings:"
    for line in "${timings[@]}"; do
        printf '  %s\n' "$line"
    done
}

# ---- waiting -------------------------------------------------------------------------------------

# poll_until SECONDS INTERVAL DESCRIPTION COMMAND...: run COMMAND every INTERVAL seconds until it
# succeeds; fail the test after SECONDS. The interval is the polling resolution, never a guess of
# how long something takes.
poll_until() {
    local seconds=$1 interval=$2 what=$3
    shift 3
    local deadline=$((SECONDS + seconds))
    until "$@"; do
        ((SECONDS < deadline)) || die "timed out after ${seconds}s waiting for $what"
        sleep "$interval"
    done
}

# wait_until SECONDS DESCRIPTION COMMAND...: poll_until every 2 s.
wait_until() {
    local seconds=$1 what=$2
    shift 2
    poll_until "$seconds" 2 "$what" "$@"
}

# ---- the test Pod and its podcap Pod -------------------------------------------------------------

# find_podcap_pod POD: sets podcap_pod to the podcap Pod on POD's node.
find_podcap_pod() {
    local pod=${1:-$test_pod} node
    node=$(k -n "$test_ns" get pod "$pod" -o jsonpath='{.spec.nodeName}')
    [[ -n $node ]] || die "Pod $pod has no node"
    podcap_pod=$(k -n "$system_ns" get pods -l "$podcap_selector" \
        --field-selector "spec.nodeName=${node},status.phase=Running" -o jsonpath='{.items[0].metadata.name}')
    [[ -n $podcap_pod ]] || die "no podcap Pod on node $node"
    log "Pod $pod runs on $node, its podcap Pod is $podcap_pod"
}

# is_capture_file POD NAME: NAME is one of POD's capture files: `capture-<pod>.pcap`, then the
# ring index tcpdump appends (`0`, `07`, …; none when N is 1), then optionally `.<s>`, the segment
# number under which files of an earlier run of the capture are kept after a restart.
is_capture_file() {
    local prefix="capture-$1.pcap" name=$2
    [[ $name == "$prefix"* ]] || return 1
    [[ ${name#"$prefix"} =~ ^[0-9]*(\.[0-9]+)?$ ]]
}

# capture_files [POD]: the names of POD's capture files in the podcap Pod's /capture, one a line.
# `ls -1` runs without a shell; the name filter happens here, so no command string is built.
capture_files() {
    local pod=${1:-$test_pod} name
    while IFS= read -r name; do
        if is_capture_file "$pod" "$name"; then printf '%s\n' "$name"; fi
    done < <(k -n "$system_ns" exec "$podcap_pod" -- ls -1 /capture)
}

have_capture_files() { [[ -n $(capture_files "$@") ]]; }
no_capture_files() { [[ -z $(capture_files "$@") ]]; }

# has_event REASON [POD]: the Pod has an Event with that reason (core view of events.k8s.io too).
has_event() {
    [[ -n $(k -n "$test_ns" get events \
        --field-selector "involvedObject.name=${2:-$test_pod},reason=$1" -o name) ]]
}

# event_count REASON [POD]: how often it happened: the sum over the Events of the larger of
# count and series.count (an events.k8s.io Event shows its repeats as series in the core view),
# and at least 1 each.
event_count() {
    local counts
    counts=$(k -n "$test_ns" get events --field-selector "involvedObject.name=${2:-$test_pod},reason=$1" \
        -o jsonpath='{range .items[*]}{.count},{.series.count}{"\n"}{end}')
    awk -F, 'NF { c = $1 + 0; if ($2 + 0 > c) c = $2 + 0; n += (c > 0 ? c : 1) } END { print n + 0 }' <<< "$counts"
}

# event_count_above REASON COUNT [POD]: more than COUNT such Events now.
event_count_above() { (($(event_count "$1" "${3:-}") > $2)); }

# status_field FIELD [POD]: one field of podcap's `tcpdump.antrea.io/status` annotation.
status_field() {
    local status
    status=$(k -n "$test_ns" get pod "${2:-$test_pod}" \
        -o jsonpath='{.metadata.annotations.tcpdump\.antrea\.io/status}')
    [[ -n $status ]] || return 1
    python3 -c '
import json, sys
value = json.loads(sys.argv[2]).get(sys.argv[1])
if isinstance(value, list):  # files: paths, or objects with a path
    value = "\n".join(v.get("path", "") if isinstance(v, dict) else str(v) for v in value)
print("" if value is None else value)
' "$1" "$status"
}

status_is() { [[ $(status_field state "${2:-}" 2> /dev/null) == "$1" ]]; }

# inspect_packets: reads `podcap inspect --json` on stdin, prints the total packet count.
# Any integer under a key named like "packets"/"packetCount" in any summary counts, so a
# reshaped summary still works; summaries are added up.
inspect_packets() {
    python3 -c '
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
data = json.loads(sys.stdin.read())
items = data if isinstance(data, list) else [data]
print(sum(max(walk(item), default=0) for item in items))
'
}

# ---- on failure ----------------------------------------------------------------------------------

diagnostics() {
    log "---- diagnostics ----"
    k get nodes -o wide || true
    k get pods --all-namespaces -o wide || true
    k -n "$system_ns" describe daemonset podcap || true
    k -n "$system_ns" describe pods -l "$podcap_selector" || true
    k -n "$system_ns" logs -l "$podcap_selector" --all-containers --prefix --tail=300 || true
    k -n "$system_ns" logs -l "$podcap_selector" --all-containers --prefix --tail=100 --previous || true
    k -n "$test_ns" describe pod "$test_pod" || true
    k get events --all-namespaces --sort-by=.lastTimestamp || true
    local pod
    for pod in $(k -n "$system_ns" get pods -l "$podcap_selector" -o name 2> /dev/null); do
        log "ls -la /capture in $pod"
        k -n "$system_ns" exec "${pod#pod/}" -- ls -la /capture || true
    done
    if declare -F e2e_extra_diagnostics > /dev/null; then
        e2e_extra_diagnostics || true
    fi
}
