import Actors
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeClient
import Logging
import ServiceLifecycle
import Synchronization

/// Publishes capture reports to Kubernetes: an Event on the Pod and the status annotation.
///
/// `report` is called on the Supervisor's hot path, so it only enqueues into a bounded buffer;
/// `run()` (a `Service`) does the API calls. When the API is slower than captures change,
/// reports are dropped and counted rather than stalling the Supervisor.
///
/// Shutdown: graceful shutdown is not cancellation. The `ServiceGroup` stops services in reverse
/// order, so by the time this reporter is told to shut down every producer (the Supervisor, whose
/// captures have stopped and reported, and the watch) has returned: nothing more will be
/// reported. The reporter then finishes its own buffer and writes what it still owes, for at most
/// `drainTimeout`; only after that (or on cancellation, at once) are the remaining writes
/// abandoned. The HTTP client is shut down after the whole group has returned.
public final class KubeReporter: CaptureReporter, Service {
    /// One write owed to the API.
    enum Work: Sendable {
        case report(CaptureReport)
        /// A status annotation that no capture stands behind (an earlier run's, or one no report
        /// will replace): remove it.
        case clearStatus(PodRef)
        /// The status of a running capture again (its files changed); no Event.
        case refreshStatus(CaptureReport)
    }

    private let channel: BoundedChannel<Work>
    private let client: KubernetesClient
    private let recorder: EventRecorder
    private let patchStatus: Bool
    private let emitEvents: Bool
    private let drainTimeout: Duration
    private let logger: Logger
    private let droppedCount = Atomic<Int>(0)
    /// Writes enqueued and not finished yet.
    private let pendingCount = Atomic<Int>(0)
    /// Set once graceful shutdown finished the buffer.
    private let closed = Atomic<Bool>(false)
    /// When each running capture first started (RFC 3339), for the status's `since`: its
    /// tcpdump restarts, its status is rewritten, but the capture's age is the same.
    private let startTimes = Mutex([String: String]())

    /// - Parameters:
    ///   - patchStatus: write `tcpdump.antrea.io/status` (needs `pods: patch`).
    ///   - emitEvents: record Events (needs `events: create, patch`).
    ///   - capacity: reports held while the API is busy.
    ///   - drainTimeout: how long graceful shutdown waits for the writes still owed.
    public init(client: KubernetesClient, recorder: EventRecorder, patchStatus: Bool, emitEvents: Bool = true,
                capacity: Int = 1024, drainTimeout: Duration = .seconds(5),
                logger: Logger = Logger(label: "podcap.kube-reporter")) {
        self.client = client
        self.recorder = recorder
        self.patchStatus = patchStatus
        self.emitEvents = emitEvents
        self.drainTimeout = drainTimeout
        self.logger = logger
        self.channel = BoundedChannel(capacity: capacity)
    }

    /// Reports dropped because the buffer was full.
    public var dropped: Int { droppedCount.load(ordering: .relaxed) }

    public func report(_ report: CaptureReport) {
        enqueue(.report(report), about: report.pod)
    }

    /// Removes `tcpdump.antrea.io/status` from `pod` (no-op with `--no-status-annotation`):
    /// for a status no capture of this run stands behind.
    public func clearStatus(of pod: PodRef) {
        guard patchStatus else { return }
        enqueue(.clearStatus(pod), about: pod)
    }

    /// Writes the status of `report` again, without an Event: the files it lists changed.
    public func refreshStatus(_ report: CaptureReport) {
        guard patchStatus else { return }
        enqueue(.refreshStatus(report), about: report.pod)
    }

    private func enqueue(_ work: Work, about pod: PodRef) {
        pendingCount.add(1, ordering: .relaxed)
        if channel.tryYield(work) { return }
        pendingCount.subtract(1, ordering: .relaxed)
        if closed.load(ordering: .acquiring) {
            // Every producer stops before this reporter (reverse shutdown order); a report now is a bug to see.
            logger.warning("capture report after the Kubernetes reporter stopped; not written",
                           metadata: ["namespace": "\(pod.namespace)", "pod": "\(pod.name)"])
            return
        }
        let total = droppedCount.add(1, ordering: .relaxed).newValue
        // Log the first drop and then every 100th, not every one.
        if total == 1 || total % 100 == 0 {
            logger.warning("Kubernetes API is behind; capture reports dropped", metadata: ["dropped": "\(total)"])
        }
    }

    public func run() async throws {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.writeAll() }
            group.addTask { await self.closeOnGracefulShutdown() }
            // Either everything owed was written (the buffer was finished and is empty), or the
            // drain deadline passed, or the task was cancelled: stop the other child.
            await group.next()
            group.cancelAll()
        }
        closed.store(true, ordering: .releasing)
        channel.consumerFinished()
    }

    /// Writes until the buffer is finished and empty; returns at once on cancellation.
    private func writeAll() async {
        while let work = try? await channel.next() {
            await publish(work)
            pendingCount.subtract(1, ordering: .relaxed)
        }
    }

    /// On graceful shutdown, finishes the buffer and returns once `drainTimeout` has passed;
    /// returns at once on cancellation.
    private func closeOnGracefulShutdown() async {
        guard (try? await gracefulShutdown()) != nil else { return }
        closed.store(true, ordering: .releasing)
        channel.finish()
        let owed = pendingCount.load(ordering: .relaxed)
        if owed > 0 {
            logger.info("shutting down: writing what is owed to the Kubernetes API first",
                        metadata: ["writes": "\(owed)", "deadline": "\(drainTimeout.readable)"])
        }
        guard (try? await Task.sleep(for: drainTimeout)) != nil else { return }
        logger.warning("shutdown deadline passed; capture reports not written to the Kubernetes API",
                       metadata: ["writes": "\(pendingCount.load(ordering: .relaxed))", "deadline": "\(drainTimeout.readable)"])
    }

    /// Writes one item; failures are logged, never fatal: the capture itself is unaffected.
    func publish(_ work: Work) async {
        switch work {
        case .report(let report): await publish(report)
        case .clearStatus(let pod): await patch(pod, value: nil)
        case .refreshStatus(let report):
            let since = startTimes.withLock { $0[report.pod.uid] }
            if case .set(let json) = CaptureNotice.of(report, since: since).status { await patch(report.pod, value: json) }
        }
    }

    private func publish(_ report: CaptureReport) async {
        let now = Date()
        let since = startTimes.withLock { times -> String? in
            let uid = report.pod.uid
            switch report.change {
            case .started:
                if times[uid] == nil { times[uid] = CaptureNotice.timestamp(now) }
                return times[uid]
            case .stopped, .rejected:
                times[uid] = nil
                return nil
            case .queued, .failed, .waiting, .progress, .completed:
                return times[uid]
            }
        }
        let notice = CaptureNotice.of(report, now: now, since: since)
        if emitEvents, notice.emitsEvent {
            let pod = Pod(metadata: ObjectMeta(namespace: report.pod.namespace, name: report.pod.name, uid: report.pod.uid))
            do {
                try await retryingUnreachable { () async throws(KubeAPIError) in
                    _ = try await self.recorder.record(about: pod, type: notice.type, reason: notice.reason, message: notice.eventMessage)
                }
            } catch {
                if !Task.isCancelled {
                    logger.warning("cannot record Event \(notice.reason): \(error)", metadata: Self.metadata(report.pod))
                }
            }
        }
        guard patchStatus else { return }
        switch notice.status {
        case .keep: return
        case .remove: await patch(report.pod, value: nil)
        case .set(let json): await patch(report.pod, value: json)
        }
    }

    private func patch(_ pod: PodRef, value: String?) async {
        do {
            try await retryingUnreachable { () async throws(KubeAPIError) in
                _ = try await self.client.patchPodAnnotation(namespace: pod.namespace, name: pod.name,
                                                             key: CaptureNotice.statusAnnotation, value: value)
            }
        } catch where error.httpCode == 404 {
            // The Pod is already gone; nothing to annotate.
        } catch {
            // Cancelled: the shutdown deadline passed, and that is logged once with the count.
            if !Task.isCancelled {
                logger.warning("cannot \(value == nil ? "remove" : "write") \(CaptureNotice.statusAnnotation): \(error)",
                               metadata: Self.metadata(pod))
            }
        }
    }

    /// Runs `write`, retrying while no connection can be made (nothing was sent, so retrying is
    /// safe) for up to 10 s, the connect timeout a single attempt used to wait.
    private func retryingUnreachable(_ write: () async throws(KubeAPIError) -> Void) async throws(KubeAPIError) {
        let clock = ContinuousClock()
        let deadline = clock.now + .seconds(10)
        var delay = Duration.milliseconds(100)
        while true {
            do {
                return try await write()
            } catch .unreachable(let reason) {
                guard clock.now + delay < deadline, (try? await Task.sleep(for: delay)) != nil else {
                    throw .unreachable(reason)
                }
                delay = min(delay * 2, .milliseconds(400))
            }
        }
    }

    private static func metadata(_ pod: PodRef) -> Logger.Metadata {
        ["namespace": "\(pod.namespace)", "pod": "\(pod.name)", "uid": "\(pod.uid)"]
    }
}
