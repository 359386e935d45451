import Actors
import KubeClient
import Logging
import ServiceLifecycle
import Synchronization

/// Publishes capture reports to Kubernetes: an Event on the Pod and the status annotation.
///
/// `report` is called on the Supervisor's hot path, so it only enqueues into a bounded buffer;
/// `run()` (a `Service`) does the API calls. When the API is slower than captures change,
/// reports are dropped and counted rather than stalling the Supervisor.
public final class KubeReporter: CaptureReporter, Service {
    private let channel: BoundedChannel<CaptureReport>
    private let client: KubernetesClient
    private let recorder: EventRecorder
    private let patchStatus: Bool
    private let emitEvents: Bool
    private let logger: Logger
    private let droppedCount = Atomic<Int>(0)

    /// - Parameters:
    ///   - patchStatus: write `tcpdump.antrea.io/status` (needs `pods: patch`).
    ///   - emitEvents: record Events (needs `events: create, patch`).
    ///   - capacity: reports held while the API is busy.
    public init(client: KubernetesClient, recorder: EventRecorder, patchStatus: Bool, emitEvents: Bool = true,
                capacity: Int = 1024, logger: Logger = Logger(label: "podcap.kube-reporter")) {
        self.client = client
        self.recorder = recorder
        self.patchStatus = patchStatus
        self.emitEvents = emitEvents
        self.logger = logger
        self.channel = BoundedChannel(capacity: capacity)
    }

    /// Reports dropped because the buffer was full.
    public var dropped: Int { droppedCount.load(ordering: .relaxed) }

    public func report(_ report: CaptureReport) {
        if !channel.tryYield(report) {
            let total = droppedCount.add(1, ordering: .relaxed).newValue
            // Log the first drop and then every 100th, not every one.
            if total == 1 || total % 100 == 0 {
                logger.warning("Kubernetes API is behind; capture reports dropped", metadata: ["dropped": "\(total)"])
            }
        }
    }

    public func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while let report = try await self.channel.next() {
                await self.publish(report)
            }
        }
        channel.consumerFinished()
    }

    /// Writes one report; failures are logged, never fatal: the capture itself is unaffected.
    func publish(_ report: CaptureReport) async {
        let notice = CaptureNotice.of(report)
        let pod = Pod(metadata: ObjectMeta(namespace: report.pod.namespace, name: report.pod.name, uid: report.pod.uid))
        let metadata: Logger.Metadata = ["namespace": "\(report.pod.namespace)", "pod": "\(report.pod.name)", "uid": "\(report.pod.uid)"]
        if emitEvents, notice.emitsEvent {
            do {
                try await recorder.record(about: pod, type: notice.type, reason: notice.reason, message: notice.message)
            } catch {
                logger.warning("cannot record Event \(notice.reason): \(error)", metadata: metadata)
            }
        }
        guard patchStatus else { return }
        let value: String?
        switch notice.status {
        case .keep: return
        case .remove: value = nil
        case .set(let json): value = json
        }
        do {
            try await client.patchPodAnnotation(namespace: report.pod.namespace, name: report.pod.name,
                                                key: CaptureNotice.statusAnnotation, value: value)
        } catch where error.httpCode == 404 {
            // The Pod is already gone; nothing to annotate.
        } catch {
            logger.warning("cannot patch \(CaptureNotice.statusAnnotation): \(error)", metadata: metadata)
        }
    }
}
