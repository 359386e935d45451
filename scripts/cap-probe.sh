#!/usr/bin/env bash
# Proves on this machine's kernel that the capability set granted in deploy/daemonset.yaml is
# enough for the controller's real command line, and that each capability in it is needed.
#
# How: two network namespaces joined by a veth pair (both ends named eth0, link-local
# addresses, nothing leaves this machine), a target process in one of them (once as root with
# a full capability set, like an ordinary container's process, once as UID 65534), UDP traffic
# from the other. Then the exact command the controller runs,
#   nsenter --target <pid> --net -- tcpdump -i eth0 -Z root -U -B 16384 -C 1 -W 2 -w <file>
# is run as UID 0 under `setpriv` with the container's capability bounding set (what
# `drop: [ALL]` + `add: [...]` gives a UID-0 container process) and no_new_privs
# (allowPrivilegeEscalation: false). It must capture packets with the full set, and fail with
# each capability removed in turn.
#
# Needs root, iproute2, util-linux (nsenter, setpriv), tcpdump, python3 with PyYAML.
# Prints `N passed, N failed`; exits non-zero on any failure.
set -euo pipefail

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
manifest=${1:-$repo/deploy/daemonset.yaml}

for tool in ip nsenter setpriv tcpdump python3 timeout; do
    if ! command -v "$tool" > /dev/null; then
        echo "cap-probe: $tool is required (make -f mk/deploy.mk cap-check installs it)" >&2
        exit 2
    fi
done
if [[ $(id -u) -ne 0 ]]; then
    echo "cap-probe: must run as root (it creates network namespaces)" >&2
    exit 2
fi

# The capabilities under test come from the manifest itself, so the proof follows any change.
mapfile -t caps < <(python3 - "$manifest" <<'PY'
import sys, yaml
for doc in yaml.safe_load_all(open(sys.argv[1], encoding="utf-8")):
    if doc and doc.get("kind") == "DaemonSet":
        for c in doc["spec"]["template"]["spec"]["containers"]:
            for cap in c["securityContext"]["capabilities"].get("add") or []:
                cap = cap.upper()
                print(cap[4:] if cap.startswith("CAP_") else cap)
PY
)
if [[ ${#caps[@]} -eq 0 ]]; then
    echo "cap-probe: no capabilities found in $manifest" >&2
    exit 2
fi

work=$(mktemp -d)
ns_target="podcap-probe-$$-t"
ns_peer="podcap-probe-$$-p"
pids=()

cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2> /dev/null || true
    done
    wait 2> /dev/null || true
    ip netns delete "$ns_target" 2> /dev/null || true
    ip netns delete "$ns_peer" 2> /dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

ip netns add "$ns_target"
ip netns add "$ns_peer"
ip link add eth0 netns "$ns_target" type veth peer name eth0 netns "$ns_peer"
ip -n "$ns_target" addr add 169.254.77.1/30 dev eth0
ip -n "$ns_peer" addr add 169.254.77.2/30 dev eth0
ip -n "$ns_target" link set eth0 up
ip -n "$ns_peer" link set eth0 up

# Targets: what /proc/*/cgroup scanning would hand the controller for a root container and for
# a non-root one. `exec` so the recorded PID is the sleeping process inside the namespace.
ip netns exec "$ns_target" bash -c 'exec sleep 600' &
pids+=("$!")
root_target=$!
ip netns exec "$ns_target" setpriv --reuid=65534 --regid=65534 --clear-groups -- sleep 600 &
pids+=("$!")
nobody_target=$!

# Traffic for the whole run, bounded in count and time; a send error (link still coming up) is
# ignored and retried on the next tick.
ip netns exec "$ns_peer" python3 - <<'PY' &
import socket, time
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
deadline = time.monotonic() + 120
while time.monotonic() < deadline:
    try:
        sock.sendto(b"podcap-cap-probe", ("169.254.77.1", 9))
    except OSError:
        pass
    time.sleep(0.05)
PY
pids+=("$!")
sleep 1

# probe LABEL TARGET_PID CAP... : 0 when tcpdump captured packets, 1 otherwise.
probe() {
    local label=$1 target=$2
    shift 2
    local bounding="-all" cap
    for cap in "$@"; do
        bounding+=",+${cap,,}"
    done
    local file="$work/cap-$label.pcap" status=0
    timeout -s INT 2 setpriv --bounding-set="$bounding" --inh-caps=-all --no-new-privs -- \
        nsenter --target "$target" --net -- \
        tcpdump -i eth0 -Z root -U -B 16384 -C 1 -W 2 -w "$file" > "$work/$label.log" 2>&1 || status=$?
    # 124: still capturing when timeout stopped it, which is success for a live capture.
    if [[ $status -ne 124 && $status -ne 0 ]]; then
        return 1
    fi
    local packets
    packets=$(tcpdump -r "${file}0" 2> /dev/null | wc -l || true)
    [[ ${packets:-0} -gt 0 ]]
}

passed=0
failed=0
report() {
    if [[ $1 == ok ]]; then
        passed=$((passed + 1))
        echo "ok   $2"
    else
        failed=$((failed + 1))
        echo "FAIL $2"
        sed 's/^/     | /' "$work/$3.log" || true
    fi
}

echo "cap-probe: capabilities under test: ${caps[*]}"
for target in root:"$root_target" nobody:"$nobody_target"; do
    name=${target%%:*}
    pid=${target#*:}
    if probe "all-$name" "$pid" "${caps[@]}"; then
        report ok "full set captures from a $name-owned target"
    else
        report fail "full set captures from a $name-owned target" "all-$name"
    fi
done

for drop in "${caps[@]}"; do
    rest=()
    for cap in "${caps[@]}"; do
        [[ $cap == "$drop" ]] || rest+=("$cap")
    done
    needed=no
    why=""
    for target in root:"$root_target" nobody:"$nobody_target"; do
        name=${target%%:*}
        pid=${target#*:}
        if ! probe "without-$drop-$name" "$pid" "${rest[@]}"; then
            needed=yes
            why=$(grep -m1 -v '^$' "$work/without-$drop-$name.log" || true)
            break
        fi
    done
    if [[ $needed == yes ]]; then
        report ok "$drop is needed (without it: ${why:-no packets})"
    else
        echo "no failure without $drop" > "$work/without-$drop.log"
        report fail "$drop is needed: capture still works without it, remove it from the DaemonSet" "without-$drop"
    fi
done

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
