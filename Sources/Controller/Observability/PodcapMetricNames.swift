/// The names and help texts of every metric podcap exports on `/metrics`.
///
/// Kept in one place so the README, dashboards and tests agree on the spelling.
public enum PodcapMetricNames {
    /// Captures holding a slot: tcpdump runs, or is between a failure and its restart.
    public static let capturesRunning = "podcap_captures_running"
    /// Annotated Pods waiting for a free --max-concurrent slot.
    public static let capturesQueued = "podcap_captures_queued"
    /// Annotations that could not be honoured, by reason.
    public static let capturesRejected = "podcap_captures_rejected_total"
    /// tcpdump processes started, restarts included.
    public static let capturesStarted = "podcap_captures_started_total"
    /// Captures stopped, by reason.
    public static let capturesStopped = "podcap_captures_stopped_total"
    /// Captures that ended by themselves (duration, packet count, stop-on), by reason.
    public static let capturesCompleted = "podcap_captures_completed_total"
    /// tcpdump processes that died or could not be started.
    public static let capturesFailed = "podcap_captures_failed_total"
    /// tcpdump processes started again after a failure.
    public static let captureRestarts = "podcap_capture_restarts_total"
    /// Packets written by tcpdump, summed from its statistics when each capture stops.
    public static let packetsCaptured = "podcap_packets_captured_total"
    /// Packets dropped by the kernel, summed from tcpdump's statistics when each capture stops.
    public static let packetsDropped = "podcap_packets_dropped_total"
    /// Bytes on disk of one Pod's capture files.
    public static let captureBytes = "podcap_capture_bytes"
    /// Bytes on disk of all capture files on this node.
    public static let captureBytesTotal = "podcap_capture_bytes_total"
    /// Pod watch requests started again after the first.
    public static let watchReconnects = "podcap_watch_reconnects_total"
    /// Pod lists after the first (the watch's resourceVersion expired).
    public static let watchRelists = "podcap_watch_relists_total"
    /// Pod watch events that could not be decoded.
    public static let watchDecodeErrors = "podcap_watch_decode_errors_total"
    /// Seconds from the capture annotation being seen to tcpdump running (first attempt).
    public static let captureStartLatency = "podcap_capture_start_latency_seconds"

    /// `# HELP` text per metric name. swift-metrics has no way to pass help text to the
    /// backend, so `MetricsReporter.render()` adds these lines itself.
    public static let help: [String: String] = [
        capturesRunning: "Captures holding a slot: tcpdump runs, or is between a failure and its restart.",
        capturesQueued: "Annotated Pods waiting for a free --max-concurrent slot.",
        capturesRejected: "Annotations that could not be honoured, by reason.",
        capturesStarted: "tcpdump processes started, restarts included.",
        capturesStopped: "Captures stopped, by reason.",
        capturesCompleted: "Captures that ended by themselves (duration, packet count, stop-on), by reason; their files are kept.",
        capturesFailed: "tcpdump processes that died or could not be started.",
        captureRestarts: "tcpdump processes started again after a failure.",
        packetsCaptured: "Packets written by tcpdump, summed from its statistics when each capture stops.",
        packetsDropped: "Packets dropped by the kernel, summed from tcpdump's statistics when each capture stops.",
        captureBytes: "Bytes on disk of one Pod's capture files.",
        captureBytesTotal: "Bytes on disk of all capture files on this node.",
        watchReconnects: "Pod watch requests started again after the first.",
        watchRelists: "Pod lists after the first (the watch's resourceVersion expired).",
        watchDecodeErrors: "Pod watch events that could not be decoded.",
        captureStartLatency: "Seconds from the capture annotation being seen to tcpdump running (first attempt).",
    ]

    /// Every name above, in the order `/metrics` documentation lists them.
    public static let all: [String] = [
        capturesRunning, capturesQueued, capturesRejected, capturesStarted, capturesStopped, capturesCompleted, capturesFailed,
        captureRestarts, packetsCaptured, packetsDropped, captureBytes, captureBytesTotal, watchReconnects,
        watchRelists, watchDecodeErrors, captureStartLatency,
    ]
}
