import Actors

/// The bookkeeping behind the capture gauges: which Pods are running or queued, when each
/// annotation was first seen, and how many bytes each Pod's files take.
///
/// Pure value logic (no metrics, no locks) so the rules can be tested on their own; the
/// `MetricsReporter` keeps one inside a `Mutex`.
struct CaptureLedger: Sendable {
    /// What one report changed, for the counters and the latency histogram.
    struct Outcome: Sendable, Equatable {
        var latency: Duration?
    }

    /// Identifies a `capture_bytes` series: the labels are the Pod's namespace and name.
    struct SeriesKey: Sendable, Hashable {
        var namespace: String
        var name: String
    }

    private(set) var running: Set<String> = []
    private(set) var queued: Set<String> = []
    /// The last report of every capture that has not ended, to drop exact duplicates.
    private var last: [String: CaptureReport] = [:]
    /// Terminal reports of captures that ended recently: a duplicate arriving after the
    /// capture ended must not count twice, but remembering every Pod forever would leak.
    private var recentlyEnded: Set<CaptureReport> = []
    private var endedOrder: [CaptureReport] = []
    private let endedCapacity: Int
    /// Annotation first seen, per UID, until the first start consumes it.
    private var seen: [String: ContinuousClock.Instant] = [:]
    private let seenCapacity: Int
    /// Bytes on disk per UID, with the series each UID adds to.
    private var diskByUID: [String: (series: SeriesKey, bytes: Int64)] = [:]

    init(endedCapacity: Int = 512, seenCapacity: Int = 4096) {
        self.endedCapacity = endedCapacity
        self.seenCapacity = seenCapacity
    }

    /// Records that the annotation of `uid` appeared or changed value at `instant`; until the
    /// next first start consumes it, the earliest sighting wins.
    mutating func annotationSeen(uid: String, at instant: ContinuousClock.Instant) {
        guard seen[uid] == nil else { return }
        // A Pod that never reports (deleted before the Supervisor saw it) would otherwise
        // stay here forever; past the cap, new sightings are simply not timed.
        guard seen.count < seenCapacity else { return }
        seen[uid] = instant
    }

    /// Applies one report; `nil` when it is an exact duplicate of one already applied.
    mutating func apply(_ report: CaptureReport) -> Outcome? {
        let uid = report.pod.uid
        if last[uid] == report || recentlyEnded.contains(report) { return nil }
        var outcome = Outcome()
        switch report.change {
        case .queued:
            queued.insert(uid)
            running.remove(uid)
            last[uid] = report
        case .started(_, _, _, let attempt):
            queued.remove(uid)
            running.insert(uid)
            last[uid] = report
            if attempt == 1, let since = seen.removeValue(forKey: uid), report.at >= since {
                outcome.latency = report.at - since
            }
        case .failed, .waiting:
            // The capture keeps its slot while it waits to retry.
            queued.remove(uid)
            running.insert(uid)
            last[uid] = report
        case .stopped(let reason, _, _, _):
            end(report)
            // A changed file count restarts at once; the sighting of the new value is still
            // the start of the next capture's latency.
            if reason != .fileCountChanged, reason != .optionsChanged { seen.removeValue(forKey: uid) }
        case .rejected:
            end(report)
            seen.removeValue(forKey: uid)
        case .progress:
            // Counters only; the capture's state is unchanged.
            break
        case .completed:
            // No process and no slot any more; its files stay, and so does their disk series.
            queued.remove(uid)
            running.remove(uid)
            last[uid] = report
            seen.removeValue(forKey: uid)
        }
        return outcome
    }

    private mutating func end(_ report: CaptureReport) {
        let uid = report.pod.uid
        queued.remove(uid)
        running.remove(uid)
        last.removeValue(forKey: uid)
        if recentlyEnded.insert(report).inserted {
            endedOrder.append(report)
            if endedOrder.count > endedCapacity {
                recentlyEnded.remove(endedOrder.removeFirst())
            }
        }
    }

    /// Sets the bytes of one Pod's files and returns the new value of its series.
    mutating func setDiskUsage(pod: PodRef, bytes: Int64) -> (series: SeriesKey, seriesBytes: Int64) {
        let series = SeriesKey(namespace: pod.namespace, name: pod.name)
        diskByUID[pod.uid] = (series, max(0, bytes))
        return (series, seriesBytes(series))
    }

    /// Forgets one Pod's files; returns its series and what is left in it (another
    /// incarnation of a Pod with the same name may still have files).
    mutating func removeDiskUsage(pod: PodRef) -> (series: SeriesKey, seriesBytes: Int64?)? {
        guard let entry = diskByUID.removeValue(forKey: pod.uid) else { return nil }
        let remaining = diskByUID.values.contains { $0.series == entry.series }
        return (entry.series, remaining ? seriesBytes(entry.series) : nil)
    }

    /// Bytes of every Pod's files.
    var totalDiskBytes: Int64 { diskByUID.values.reduce(0) { $0 + $1.bytes } }

    private func seriesBytes(_ series: SeriesKey) -> Int64 {
        diskByUID.values.reduce(0) { $0 + ($1.series == series ? $1.bytes : 0) }
    }
}
