import Actors
import CaptureOptions
import KubeModel
import Logging
import ServiceLifecycle
import Synchronization

/// Writes one log line per capture report, each carrying the Pod's `namespace`, `pod` and
/// `uid` plus the fields of that change.
///
/// `report` runs on the Supervisor's hot path and log handlers write to stderr, which can
/// block on a full pipe; so `report` only enqueues, and `run()` (a `Service`) writes. Add it
/// to the `ServiceGroup` *before* the Supervisor: graceful shutdown runs in reverse order,
/// so the Supervisor's final `stopped` reports are still logged. Reports arriving after the
/// reporter shut down are logged inline (nothing is hot any more); reports that find the
/// buffer full are dropped and counted.
public final class LogReporter: CaptureReporter, Service {
    private let channel: BoundedChannel<CaptureReport>
    private let logger: Logger
    private let closed = Atomic<Bool>(false)
    private let droppedCount = Atomic<Int>(0)

    /// - Parameters:
    ///   - logger: where lines go; its label and handler decide the format.
    ///   - capacity: reports held while the log sink is slow.
    public init(logger: Logger = Logger(label: "podcap.capture"), capacity: Int = 1024) {
        self.logger = logger
        self.channel = BoundedChannel(capacity: capacity)
    }

    /// Reports dropped because the buffer was full.
    public var dropped: Int { droppedCount.load(ordering: .relaxed) }

    /// Enqueues one report for `run()` to log; never blocks.
    public func report(_ report: CaptureReport) {
        if channel.tryYield(report) { return }
        if closed.load(ordering: .acquiring) {
            log(report, repeatedWait: false)
        } else {
            droppedCount.add(1, ordering: .relaxed)
        }
    }

    /// Writes buffered reports until graceful shutdown, then what is still buffered.
    public func run() async throws {
        var waiting: Set<String> = []
        var reportedDrops = 0
        try? await withGracefulShutdownHandler {
            while let report = try await channel.next() {
                let drops = dropped
                if drops > reportedDrops {
                    logger.warning("log sink is behind; capture reports were not logged",
                                   metadata: ["dropped": "\(drops - reportedDrops)"])
                    reportedDrops = drops
                }
                // A Pod waiting for its containers is retried with backoff; say so once at
                // info and keep the repeats for debug.
                let uid = report.pod.uid
                var repeated = false
                if case .waiting = report.change { repeated = !waiting.insert(uid).inserted } else { waiting.remove(uid) }
                log(report, repeatedWait: repeated)
            }
        } onGracefulShutdown: {
            self.closed.store(true, ordering: .releasing)
            self.channel.finish()
        }
        closed.store(true, ordering: .releasing)
        channel.consumerFinished()
    }

    /// Writes one report now.
    func log(_ report: CaptureReport, repeatedWait: Bool) {
        var metadata: Logger.Metadata = [
            "namespace": .string(report.pod.namespace),
            "pod": .string(report.pod.name),
            "uid": .string(report.pod.uid),
        ]
        let level: Logger.Level
        let message: Logger.Message
        switch report.change {
        case .queued(let position):
            level = .info
            message = "capture queued: all --max-concurrent slots are busy"
            metadata["event"] = "queued"
            metadata["position"] = "\(position)"
        case .started(let pid, let container, let files, let attempt):
            level = .info
            message = attempt == 1 ? "capture started" : "capture restarted"
            metadata["event"] = "started"
            metadata["pid"] = "\(pid)"
            metadata["container"] = .string(container.name)
            metadata["files"] = .array(files.map { .string($0) })
            metadata["attempt"] = "\(attempt)"
        case .progress(let statistics, _):
            level = .debug
            message = "capture counters"
            metadata["event"] = "progress"
            metadata["packets_captured"] = "\(statistics.captured)"
            metadata["packets_dropped"] = "\(statistics.droppedByKernel)"
        case .failed(let reason, let retryIn, let attempt):
            level = .warning
            message = "capture failed"
            metadata["event"] = "failed"
            metadata["reason"] = .string(reason)
            metadata["retry_in"] = .string(retryIn.readable)
            metadata["attempt"] = "\(attempt)"
        case .waiting(let reason, let retryIn):
            level = repeatedWait ? .debug : .info
            message = "capture waiting for the Pod"
            metadata["event"] = "waiting"
            metadata["reason"] = .string(reason)
            metadata["retry_in"] = .string(retryIn.readable)
        case .stopped(let reason, let exit, let filesDeleted, let ran):
            level = .info
            // A capture whose tcpdump never started was cancelled, not stopped.
            message = ran ? "capture stopped" : "pending capture cancelled; tcpdump never ran"
            metadata["event"] = "stopped"
            metadata["reason"] = .string(reason.rawValue)
            metadata["files_deleted"] = "\(filesDeleted.count)"
            if let exit {
                metadata["exit"] = .string(exit.description)
                if let statistics = exit.statistics {
                    metadata["packets_captured"] = "\(statistics.captured)"
                    metadata["packets_received"] = "\(statistics.receivedByFilter)"
                    metadata["packets_dropped"] = "\(statistics.droppedByKernel)"
                }
            }
        case .rejected(let rejection):
            level = .warning
            message = "capture rejected: \(rejection.description)"
            metadata["event"] = "rejected"
            metadata["reason"] = .string(rejection.reason)
        case .completed(let reason, let exit, let files):
            level = .info
            message = "capture completed: \(reason); files kept until the annotation is removed"
            metadata["event"] = "completed"
            metadata["reason"] = .string(reason.reason)
            metadata["files"] = .array(files.map { .string($0) })
            if let statistics = exit?.statistics {
                metadata["packets_captured"] = "\(statistics.captured)"
                metadata["packets_dropped"] = "\(statistics.droppedByKernel)"
            }
        }
        if let options = report.spec?.options, !options.isEmpty {
            metadata["options"] = .dictionary(.init(uniqueKeysWithValues: options.summary.map { ($0.annotation.rawValue, .string($0.value)) }))
        }
        logger.log(level: level, message, metadata: metadata)
    }
}
