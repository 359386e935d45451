#!/usr/bin/env python3
"""Runs `kubectl podcap stream` the way a user does and watches its pcap stream.

e2e-plugin.sh starts it in the background. It spawns the plugin in its own session (so a
SIGINT to that process group is what Ctrl-C on a terminal is), writes the stream to OUT while
parsing it record by record, prints the first packet's latency (arrival here minus its capture
timestamp; the node is this machine, so both clocks are one), and when STOP_FILE appears sends
SIGINT to the group and reports how the plugin exited.

usage: e2e-plugin-probe.py OUT STOP_FILE PLUGIN_ARGV...
"""
import os, signal, struct, subprocess, sys, time

out_path, stop_file, argv = sys.argv[1], sys.argv[2], sys.argv[3:]
proc = subprocess.Popen(argv, stdout=subprocess.PIPE, start_new_session=True)
fd = proc.stdout.fileno()
os.set_blocking(fd, False)
buf, header, records, first_latency = b"", None, 0, None
with open(out_path, "wb") as out:
    while True:
        if os.path.exists(stop_file):
            os.killpg(proc.pid, signal.SIGINT)
            break
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            chunk = None
        if chunk == b"":
            break
        if not chunk:
            if proc.poll() is not None:
                break
            time.sleep(0.005)
            continue
        arrived = time.time()
        out.write(chunk)
        out.flush()
        buf += chunk
        if header is None and len(buf) >= 24:
            magic = struct.unpack("<I", buf[:4])[0]
            header = "ns" if magic == 0xA1B23C4D else "us"
            buf = buf[24:]
        while header is not None and len(buf) >= 16:
            sec, frac, incl, _ = struct.unpack("<IIII", buf[:16])
            if len(buf) < 16 + incl:
                break
            if first_latency is None:
                first_latency = arrived - (sec + frac / (1e9 if header == "ns" else 1e6))
                print(f"TIMING name=stream_first_packet_latency ms={int(first_latency * 1000)}", flush=True)
            records += 1
            buf = buf[16 + incl:]
    try:
        rest = proc.stdout.read()
    except Exception:
        rest = b""
    if rest:
        out.write(rest)
code = proc.wait(timeout=30)
print(f"stream: {records} records parsed, plugin exit status {code}", flush=True)
sys.exit(0 if code == 0 and first_latency is not None else 1)
