# shellcheck shell=bash
# shellcheck disable=SC2154 # workdir, test_ns, test_image, system_ns, … are e2e-node.sh's
# `kubectl podcap` on the real node, sourced by e2e-node.sh (one realnode per run) as step 11b.
# Uses that script's helpers (k, log, die, poll_until, timing, host_files, tcpdump_pids) and
# PLUGIN_BIN, the kubectl-podcap executable, installed here as a kubectl plugin on PATH.
#
#   a. two Pods with one label; `kubectl podcap start -l` (one merge patch each), waits for Capturing
#   b. `status` table, `-o json`, `-o yaml`
#   c. a 12 MB download inside one Pod rotates its 10 files; `fetch` (valid pcap, the Pod's IP,
#      MB/s printed); `fetch -l … --merge` (pcapng: libpcap reads it, both interface names)
#   d. `stream` read as a user does (its own process group, SIGINT = Ctrl-C), across rotations:
#      first-packet latency printed, the stream reads with `tcpdump -r -`
#   e. the agent's serving side refuses a path, another Pod, and a Pod it does not capture
#   f. a user without pods/exec gets the one-line 403; with deploy/podcap-reader.yaml, fetch works
#   g. `stop -l`: files and tcpdumps gone

# plugin ARGS…: kubectl podcap ARGS… (through kubectl's plugin lookup, as a user types it).
plugin() { kubectl podcap "$@"; }

# http_server: on all of the node's addresses at a free port (sets bulk_port), GET /fast/N sends N
# random bytes at once, /paced/N the same at about 12 MB/s (64 KiB every 5 ms), so a stream
# sees each rotation as it happens instead of the ring lapping it in a few milliseconds.
http_server() {
    bulk_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("0.0.0.0",0)); print(s.getsockname()[1])')
    python3 - "$bulk_port" > "$workdir/http.log" 2>&1 << 'PY' &
import http.server, os, sys, time
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        _, mode, size = self.path.split("/")
        size = int(size)
        self.send_response(200)
        self.send_header("Content-Length", str(size))
        self.end_headers()
        chunk = os.urandom(65536)
        while size > 0:
            n = min(size, len(chunk))
            self.wfile.write(chunk[:n])
            size -= n
            if mode == "paced":
                time.sleep(0.005)
http.server.ThreadingHTTPServer(("0.0.0.0", int(sys.argv[1])), Handler).serve_forever()
PY
    background+=("$!")
}

# pcapng_interfaces FILE: the interface names (if_name) of a pcapng file, one a line.
pcapng_interfaces() {
    python3 - "$1" << 'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
off = 0
while off + 12 <= len(data):
    btype, blen = struct.unpack_from("<II", data, off)
    if btype == 1:
        opt = off + 16
        while opt + 4 <= off + blen - 4:
            code, size = struct.unpack_from("<HH", data, opt)
            if code == 0:
                break
            if code == 2:
                print(data[opt + 4:opt + 4 + size].decode())
            opt += 4 + (size + 3) // 4 * 4
    off += blen
PY
}

stream_has() { tcpdump -nn -r - < "$workdir/stream.pcap" 2> /dev/null | grep -qF "$1"; }
ring_full() { [[ $(host_files "$1" | wc -l) -eq $2 ]]; }

plugin_steps() {
    log "== 11b. kubectl podcap (plugin at $PLUGIN_BIN)"
    local plugin_pods=("e2e-web-a-$run_id" "e2e-web-b-$run_id") plugin_label="podcap-e2e=$run_id"
    local bin_dir="$workdir/plugin-bin"
    mkdir -p "$bin_dir"
    ln -sf "$PLUGIN_BIN" "$bin_dir/kubectl-podcap"
    export PATH="$bin_dir:$PATH"
    kubectl plugin list 2> /dev/null | grep -q kubectl-podcap || die "kubectl does not find the plugin on PATH"
    local node_ip
    node_ip=$(k get node -o jsonpath='{.items[0].status.addresses[?(@.type=="InternalIP")].address}')
    http_server

    local pod
    for pod in "${plugin_pods[@]}"; do
        k apply -f - << MANIFEST
apiVersion: v1
kind: Pod
metadata:
  name: $pod
  namespace: $test_ns
  labels: {podcap-e2e: "$run_id"}
spec:
  terminationGracePeriodSeconds: 1
  automountServiceAccountToken: false
  containers:
    - name: web
      image: $test_image
      imagePullPolicy: IfNotPresent
      command: ["sh", "-c", "i=0; while true; do i=\$((i+1)); nslookup $pod-\$i.podcap.test > /dev/null 2>&1 & sleep 0.2; done"]
MANIFEST
    done
    for pod in "${plugin_pods[@]}"; do k -n "$test_ns" wait --for=condition=Ready "pod/$pod" --timeout="${TIMEOUT}s"; done
    local web_a=${plugin_pods[0]} web_b=${plugin_pods[1]} ip_a
    ip_a=$(k -n "$test_ns" get pod "$web_a" -o jsonpath='{.status.podIP}')

    # a. start
    local started out
    started=$(now_ms)
    out=$(plugin start -n "$test_ns" -l "$plugin_label" --files 10) || die "kubectl podcap start failed: $out"
    timing plugin_start_to_capturing "$started"
    printf '%s\n' "$out"
    for pod in "${plugin_pods[@]}"; do
        grep -q "^$test_ns/$pod: capturing on " <<< "$out" || die "start did not report $pod capturing: $out"
        one_tcpdump "$pod" || die "not one tcpdump for $pod"
    done

    # b. status
    out=$(plugin status -n "$test_ns") || die "status failed"
    printf '%s\n' "$out"
    head -n 1 <<< "$out" | grep -q "POD.*NODE.*STATE.*FILES.*SIZE.*PACKETS.*DROPPED.*AGE" || die "status has no table header: $out"
    for pod in "${plugin_pods[@]}"; do
        grep -qE "^$pod +[^ ]+ +capturing " <<< "$out" || die "status does not show $pod capturing: $out"
    done
    plugin status -n "$test_ns" -o json "$web_a" | python3 -c '
import json, sys
rows = json.load(sys.stdin)
assert len(rows) == 1 and rows[0]["state"] == "capturing" and rows[0]["requestedFiles"] == "10", rows
assert rows[0]["since"] <= rows[0]["updated"], rows
' || die "status -o json is not one capturing row for $web_a"
    plugin status -n "$test_ns" -o yaml "$web_a" | grep -q '^  state: "capturing"' || die "status -o yaml has no state"

    # c. a 12 MB download rotates web-a's ten 1 MB files (the ring wraps); then fetch
    k -n "$test_ns" exec "$web_a" -- wget -q -O /dev/null "http://$node_ip:$bulk_port/fast/12000000" || die "bulk download failed"
    poll_until 60 0.5 "$web_a's ring to hold 10 files" ring_full "$web_a" 10
    local fetch_dir="$workdir/fetch"
    started=$(now_ms)
    out=$(plugin fetch -n "$test_ns" "$web_a" -o "$fetch_dir") || die "fetch failed: $out"
    timing plugin_fetch "$started"
    printf '%s\n' "$out"
    local rate
    rate=$(sed -nE 's/.* ([0-9.]+) MB\/s .*/\1/p' <<< "$out" | head -n 1)
    [[ -n $rate ]] || die "fetch printed no throughput: $out"
    printf 'THROUGHPUT name=plugin_fetch mb_per_s=%s\n' "$rate"
    local fetched=0 file
    for file in "$fetch_dir/$test_ns/capture-$web_a.pcap"*; do
        read_pcap "$file" > "$workdir/fetched.txt" || die "$file does not read as pcap"
        grep -qF "$ip_a" "$workdir/fetched.txt" || die "$file has no packet of $web_a's IP $ip_a"
        fetched=$((fetched + 1))
    done
    ((fetched == 10)) || die "fetched $fetched files of $web_a, expected 10"
    if find "$fetch_dir" -name '*.part' | grep -q .; then die "fetch left a .part file"; fi
    # The same bytes the way the README's manual section copies them (kubectl cp runs tar over
    # pods/exec too), for comparison.
    local agent_name cp_started name
    agent_name=$(k -n "$system_ns" get pods -l "$podcap_selector" -o jsonpath='{.items[0].metadata.name}')
    cp_started=$(now_ms)
    for name in $(host_files "$web_a"); do
        k cp "$system_ns/$agent_name:$capture_dir/$name" "$workdir/cp-$name" > /dev/null 2>&1 || die "kubectl cp $name failed"
    done
    timing kubectl_cp_same_files "$cp_started"
    out=$(plugin fetch -n "$test_ns" -l "$plugin_label" -o "$fetch_dir/all" --merge "$workdir/merged.pcapng") \
        || die "fetch --merge failed: $out"
    printf '%s\n' "$out"
    tcpdump -nn -r "$workdir/merged.pcapng" > "$workdir/merged.txt" 2> "$workdir/merged.err" \
        || die "tcpdump cannot read the merge: $(cat "$workdir/merged.err")"
    (($(wc -l < "$workdir/merged.txt") > 100)) || die "the merge holds $(wc -l < "$workdir/merged.txt") packets"
    local names
    names=$(pcapng_interfaces "$workdir/merged.pcapng" | sort | tr '\n' ' ')
    [[ $names == "$test_ns/$web_a $test_ns/$web_b " ]] || die "merged interface names: $names"
    grep -qF "$web_b-" "$workdir/merged.txt" || die "the merge has none of $web_b's queries"
    log "merge: $(wc -l < "$workdir/merged.txt") packets, interfaces $names"

    # d. stream, as a user runs it; a second download rotates the files while it streams
    local stop_file="$workdir/stream.stop" probe_pid follow_pid
    python3 "$repo/scripts/e2e-plugin-probe.py" "$workdir/stream.pcap" "$stop_file" \
        kubectl podcap stream -n "$test_ns" "$web_a" > "$workdir/probe.log" 2>&1 &
    probe_pid=$!
    background+=("$probe_pid")
    poll_until 60 0.2 "the stream's first packet" grep -q stream_first_packet_latency "$workdir/probe.log"
    grep -m1 stream_first_packet_latency "$workdir/probe.log"
    timings+=("$(grep -m1 stream_first_packet_latency "$workdir/probe.log")")
    k -n "$test_ns" exec "$web_a" -- wget -q -O /dev/null "http://$node_ip:$bulk_port/paced/6000000" || die "paced download failed"
    local marker="after-rotation-$run_id.podcap.test"
    k -n "$test_ns" exec "$web_a" -- nslookup "$marker" > /dev/null 2>&1 || true
    poll_until 30 0.5 "$marker in the stream" stream_has "$marker"
    follow_pid=$(pgrep -f "podcap follow $test_ns/$web_a" | head -n 1)
    [[ -n $follow_pid ]] || die "no podcap follow process in the agent"
    touch "$stop_file"
    wait "$probe_pid" || die "the stream did not end cleanly on SIGINT: $(cat "$workdir/probe.log")"
    cat "$workdir/probe.log"
    tcpdump -nn -r - < "$workdir/stream.pcap" > "$workdir/stream.txt" 2> "$workdir/stream.err" \
        || die "tcpdump -r - cannot read the stream: $(cat "$workdir/stream.err")"
    if grep -q truncated "$workdir/stream.err"; then die "the stream ends in a torn record"; fi
    local streamed bytes
    streamed=$(wc -l < "$workdir/stream.txt")
    bytes=$(stat -c %s "$workdir/stream.pcap")
    # Six rotations of 1 MB files while it streamed.
    ((bytes > 5500000)) || die "the stream holds $bytes bytes ($streamed packets): it did not follow the rotations of a 6 MB download"
    poll_until 15 0.2 "podcap follow to exit in the agent" pid_gone "$follow_pid"
    log "stream: $streamed packets, $bytes bytes across rotations, read by tcpdump -r -; Ctrl-C ended it and its follower"

    # e. the serving side refuses anything but a captured Pod
    local agent_pod rc request
    agent_pod=$(k -n "$system_ns" get pods -l "$podcap_selector" -o jsonpath='{.items[0].metadata.name}')
    for request in "../../etc/passwd" "$test_ns/../../etc" "/etc/passwd" "$test_ns/$web_a/../x" "$test_ns/capture-$web_a.pcap0"; do
        rc=0
        out=$(k -n "$system_ns" exec "$agent_pod" -- podcap export "$request" 2>&1 > /dev/null) || rc=$?
        ((rc != 0)) || die "export $request succeeded"
        grep -qE "refused|no capture of" <<< "$out" || die "export $request: rc=$rc $out"
    done
    rc=0
    out=$(k -n "$system_ns" exec "$agent_pod" -- podcap export "$system_ns/$agent_pod" 2>&1 > /dev/null) || rc=$?
    if ((rc == 0)) || ! grep -q "no capture of $system_ns/$agent_pod" <<< "$out"; then
        die "export of an uncaptured Pod: rc=$rc $out"
    fi
    rc=0
    out=$(plugin fetch -n "$system_ns" "$agent_pod" -o "$workdir/none" 2>&1) || rc=$?
    if ((rc == 0)) || ! grep -q "has no capture" <<< "$out"; then die "fetch of an uncaptured Pod: rc=$rc $out"; fi
    log "the agent refused paths and Pods it does not capture: $(tail -n 1 <<< "$out")"

    # f. RBAC: without pods/exec, one clear line; with deploy/podcap-reader.yaml, it works
    local sa="e2e-reader-$run_id" token server ca reader_kubeconfig="$workdir/reader.kubeconfig"
    k -n "$test_ns" create serviceaccount "$sa"
    k apply -f "$repo/deploy/podcap-reader.yaml"
    k create clusterrolebinding "$sa-user" --clusterrole=podcap-user "--serviceaccount=$test_ns:$sa"
    k -n "$system_ns" create role "$sa-list" --verb=get,list --resource=pods
    k -n "$system_ns" create rolebinding "$sa-list" --role="$sa-list" "--serviceaccount=$test_ns:$sa"
    token=$(k -n "$test_ns" create token "$sa")
    server=$(k config view --minify -o jsonpath='{.clusters[0].cluster.server}')
    ca=$(k config view --raw --minify --flatten -o jsonpath='{.clusters[0].cluster.certificate-authority-data}')
    [[ -n $ca ]] || die "no CA in the admin kubeconfig"
    cat > "$reader_kubeconfig" << KUBECONFIG_END
apiVersion: v1
kind: Config
clusters: [{name: node, cluster: {server: "$server", certificate-authority-data: "$ca"}}]
users: [{name: reader, user: {token: "$token"}}]
contexts: [{name: reader, context: {cluster: node, user: reader, namespace: $test_ns}}]
current-context: reader
KUBECONFIG_END
    rc=0
    out=$(plugin status --kubeconfig "$reader_kubeconfig" 2>&1) || rc=$?
    if ((rc != 0)) || ! grep -q "$web_a" <<< "$out"; then die "the reader cannot list captures: $out"; fi
    rc=0
    out=$(plugin fetch --kubeconfig "$reader_kubeconfig" "$web_a" -o "$workdir/reader" 2>&1) || rc=$?
    ((rc != 0)) || die "fetch without pods/exec succeeded"
    if [[ $(wc -l <<< "$out") -ne 1 ]] || ! grep -q "forbidden: .*cannot create pods/exec in $system_ns" <<< "$out"; then
        die "fetch without pods/exec did not fail with one clear line: $out"
    fi
    log "without pods/exec: $out"
    k -n "$system_ns" create rolebinding "$sa-reader" --role=podcap-reader "--serviceaccount=$test_ns:$sa"
    poll_until 30 1 "the reader's fetch with podcap-reader" \
        plugin fetch --kubeconfig "$reader_kubeconfig" "$web_a" -o "$workdir/reader"
    log "with deploy/podcap-reader.yaml bound, the reader fetched $(find "$workdir/reader" -name 'capture-*' | wc -l) files"

    # g. stop
    started=$(now_ms)
    out=$(plugin stop -n "$test_ns" -l "$plugin_label") || die "stop failed: $out"
    timing plugin_stop_to_deleted "$started"
    printf '%s\n' "$out"
    for pod in "${plugin_pods[@]}"; do
        [[ -z $(host_files "$pod") ]] || die "files of $pod left after stop"
        poll_until 30 0.2 "$pod's tcpdump gone" no_tcpdump "$pod"
    done
    k -n "$test_ns" delete pod "${plugin_pods[@]}" --wait=false
    k delete clusterrolebinding "$sa-user"
    log "kubectl podcap: start, status, fetch, merge, stream, refusals, RBAC and stop passed"
}
