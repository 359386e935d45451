import Actors
import CaptureOptions
import Metrics
import class Prometheus.PrometheusCollectorRegistry
import struct Prometheus.PrometheusMetricsFactory
import Synchronization

/// Turns capture reports, watch incidents and disk samples into Prometheus metrics.
///
/// Owns its own `PrometheusCollectorRegistry` and hands a `PrometheusMetricsFactory` for it to
/// every swift-metrics initialiser, so the global `MetricsSystem` is never bootstrapped and any
/// number of instances (one per test) can coexist. `render()` is what `/metrics` serves.
///
/// `report` only updates in-memory counters under a lock: it is cheap enough for the
/// Supervisor's hot path.
public final class MetricsReporter: CaptureReporter {
    /// The registry the metrics live in, for a caller that wants to add its own.
    public let registry: PrometheusCollectorRegistry
    private let factory: PrometheusMetricsFactory

    private let running: Gauge
    private let queued: Gauge
    private let started: Counter
    private let failed: Counter
    private let restarts: Counter
    private let packetsCaptured: Counter
    private let packetsDropped: Counter
    private let bytesTotal: Gauge
    private let watchReconnects: Counter
    private let watchRelists: Counter
    private let watchDecodeErrors: Counter
    private let startLatency: Timer

    private struct State: Sendable {
        var ledger = CaptureLedger()
        var rejected: [String: Counter] = [:]
        var stopped: [String: Counter] = [:]
        var completed: [String: Counter] = [:]
        var podBytes: [CaptureLedger.SeriesKey: Gauge] = [:]
    }

    private let state: Mutex<State>

    /// Buckets of the start-latency histogram: a free slot starts within a second; a queued
    /// capture or a Pod whose containers are still starting can take minutes.
    public static let startLatencyBuckets: [Duration] = [
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1),
        .milliseconds(2500), .seconds(5), .seconds(10), .seconds(30), .seconds(60), .seconds(300),
    ]

    /// Creates a reporter with a fresh registry.
    public init() {
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[PodcapMetricNames.captureStartLatency] = Self.startLatencyBuckets
        self.registry = registry
        self.factory = factory

        typealias N = PodcapMetricNames
        running = Gauge(label: N.capturesRunning, factory: factory)
        queued = Gauge(label: N.capturesQueued, factory: factory)
        started = Counter(label: N.capturesStarted, factory: factory)
        failed = Counter(label: N.capturesFailed, factory: factory)
        restarts = Counter(label: N.captureRestarts, factory: factory)
        packetsCaptured = Counter(label: N.packetsCaptured, factory: factory)
        packetsDropped = Counter(label: N.packetsDropped, factory: factory)
        bytesTotal = Gauge(label: N.captureBytesTotal, factory: factory)
        watchReconnects = Counter(label: N.watchReconnects, factory: factory)
        watchRelists = Counter(label: N.watchRelists, factory: factory)
        watchDecodeErrors = Counter(label: N.watchDecodeErrors, factory: factory)
        startLatency = Timer(label: N.captureStartLatency, factory: factory)
        running.record(0)
        queued.record(0)
        bytesTotal.record(0)

        // Every known reason gets a zero series up front, so `rate()` and alerts work from
        // the first scrape instead of only after the first occurrence.
        var initial = State()
        for reason in Self.rejectionReasons {
            initial.rejected[reason] = Counter(label: N.capturesRejected, dimensions: [("reason", reason)], factory: factory)
        }
        for reason in Self.stopReasons {
            initial.stopped[reason] = Counter(label: N.capturesStopped, dimensions: [("reason", reason)], factory: factory)
        }
        for reason in Self.completionReasons {
            initial.completed[reason] = Counter(label: N.capturesCompleted, dimensions: [("reason", reason)], factory: factory)
        }
        state = Mutex(initial)
    }

    // MARK: Capture reports

    /// Applies one capture report to the counters and gauges; exact duplicates are ignored.
    public func report(_ report: CaptureReport) {
        state.withLock { state in
            guard let outcome = state.ledger.apply(report) else { return }
            switch report.change {
            case .queued, .waiting, .progress:
                // The packet counters add up tcpdump's totals when a capture ends.
                break
            case .started(_, _, _, let attempt):
                started.increment()
                if attempt > 1 { restarts.increment() }
            case .failed:
                failed.increment()
            case .stopped(let reason, let exit, _, _):
                counter(&state.stopped, label: PodcapMetricNames.capturesStopped, reason: Self.label(reason)).increment()
                if let statistics = exit?.statistics {
                    packetsCaptured.increment(by: statistics.captured)
                    packetsDropped.increment(by: statistics.droppedByKernel)
                }
            case .rejected(let rejection):
                counter(&state.rejected, label: PodcapMetricNames.capturesRejected, reason: rejection.reason).increment()
            case .completed(let reason, let exit, _):
                counter(&state.completed, label: PodcapMetricNames.capturesCompleted, reason: reason.reason).increment()
                if let statistics = exit?.statistics {
                    packetsCaptured.increment(by: statistics.captured)
                    packetsDropped.increment(by: statistics.droppedByKernel)
                }
            }
            // Set inside the lock: two reports applied in one order must not publish their
            // gauge values in the other.
            running.record(state.ledger.running.count)
            queued.record(state.ledger.queued.count)
            if let latency = outcome.latency { startLatency.record(duration: latency) }
        }
    }

    /// Records when the controller saw a Pod's capture annotation appear or change value.
    ///
    /// Call it on those transitions only, not on every watch event of an annotated Pod. The
    /// next `.started` report with attempt 1 for `uid` observes the time in between in
    /// `podcap_capture_start_latency_seconds`; until then the earliest sighting is kept.
    public func annotationSeen(uid: String, at instant: ContinuousClock.Instant = .now) {
        state.withLock { $0.ledger.annotationSeen(uid: uid, at: instant) }
    }

    // MARK: Watch

    /// Adds to the watch counters; pass the increments since the last call, not totals.
    public func recordWatch(reconnects: Int = 0, relists: Int = 0, decodeErrors: Int = 0) {
        if reconnects > 0 { watchReconnects.increment(by: reconnects) }
        if relists > 0 { watchRelists.increment(by: relists) }
        if decodeErrors > 0 { watchDecodeErrors.increment(by: decodeErrors) }
    }

    // MARK: Disk usage

    /// Sets the bytes on disk of one Pod's capture files (called by a periodic sampler).
    public func setDiskUsage(pod: PodRef, bytes: Int64) {
        state.withLock { state in
            let (series, seriesBytes) = state.ledger.setDiskUsage(pod: pod, bytes: bytes)
            let gauge = state.podBytes[series] ?? Gauge(
                label: PodcapMetricNames.captureBytes,
                dimensions: [("namespace", series.namespace), ("pod", series.name)],
                factory: factory)
            state.podBytes[series] = gauge
            gauge.record(seriesBytes)
            bytesTotal.record(state.ledger.totalDiskBytes)
        }
    }

    /// Removes one Pod's series once its files are gone, so deleted Pods do not linger.
    public func removeDiskUsage(pod: PodRef) {
        state.withLock { state in
            guard let (series, remaining) = state.ledger.removeDiskUsage(pod: pod) else { return }
            if let remaining {
                state.podBytes[series]?.record(remaining)
            } else if let gauge = state.podBytes.removeValue(forKey: series) {
                gauge.destroy()
            }
            bytesTotal.record(state.ledger.totalDiskBytes)
        }
    }

    // MARK: Exposition

    /// The Prometheus text exposition format (version 0.0.4) of every metric, with `# HELP`.
    public func render() -> String {
        let raw = registry.emitToString()
        var out = ""
        out.reserveCapacity(raw.utf8.count + 2048)
        for line in raw.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("# TYPE ") {
                let name = line.dropFirst("# TYPE ".count).prefix { $0 != " " }
                if let help = PodcapMetricNames.help[String(name)] {
                    out += "# HELP \(name) \(help)\n"
                }
            }
            out += line
            out += "\n"
        }
        // `split` kept the empty piece after the final newline; do not double it.
        if out.hasSuffix("\n\n") { out.removeLast() }
        return out
    }

    // MARK: Helpers

    private func counter(_ counters: inout [String: Counter], label: String, reason: String) -> Counter {
        if let existing = counters[reason] { return existing }
        let made = Counter(label: label, dimensions: [("reason", reason)], factory: factory)
        counters[reason] = made
        return made
    }

    /// `StopReason` as a CamelCase label value, matching the rejection reasons' style.
    static func label(_ reason: CaptureReport.StopReason) -> String {
        let raw = reason.rawValue
        return raw.prefix(1).uppercased() + raw.dropFirst()
    }

    static let stopReasons: [String] = [
        CaptureReport.StopReason.annotationRemoved, .fileCountChanged, .optionsChanged, .podGone, .shutdown, .cancelled,
    ].map(label)

    static let completionReasons: [String] = [
        CaptureReport.CompletionReason.duration(.zero), .packetCount(0), .containerRestarted(container: "", detail: ""),
    ].map(\.reason)

    static let rejectionReasons: [String] = [
        CaptureRejection.invalidValue("", maxFiles: 1),
        .tooManyFiles("", maxFiles: 1),
        .fileNameConflict(fileName: "", owner: ""),
        .diskBudget(requestedMB: 0, remainingMB: 0, budgetMB: 0),
        .invalidOption(OptionRejection(annotation: "", value: "", problem: "")),
        .invalidOption(OptionRejection(annotation: "", value: "", problem: "", known: false)),
        .interfaceNotFound("", available: []),
        .fileNameTooLong(fileName: "", bytes: 0),
    ].map(\.reason)
}
