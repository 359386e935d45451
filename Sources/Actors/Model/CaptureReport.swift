import KubeModel

/// One state change of one capture. Every change goes through `CaptureReporter`, so Kubernetes
/// Events, the status annotation, metrics and logs all subscribe in one place.
public struct CaptureReport: Sendable, Hashable {
    public var pod: PodRef
    public var change: Change
    /// Monotonic time of the change, for latency metrics.
    public var at: ContinuousClock.Instant
    /// The request the capture carries out (file count and options), when the change is about
    /// one; Events and the status annotation show its options.
    public var spec: CaptureSpec?

    public init(pod: PodRef, change: Change, at: ContinuousClock.Instant = .now, spec: CaptureSpec? = nil) {
        self.pod = pod
        self.change = change
        self.at = at
        self.spec = spec
    }

    /// What happened.
    public enum Change: Sendable, Hashable {
        /// Desired, waiting for one of `--max-concurrent` slots; `position` is 1-based.
        case queued(position: Int)
        /// tcpdump runs; `attempt` is 1 for the first start and grows with each restart.
        /// `files` are the paths this capture may own now, oldest first: segments kept from
        /// earlier runs, then the ring tcpdump writes. Not all of them need exist yet (tcpdump
        /// creates ring files as it rotates); readers stat them to say what is on disk.
        case started(pid: Int32, container: CaptureTarget.Container, files: [String], attempt: Int)
        /// A running capture's counters, asked of tcpdump (SIGUSR1) every few seconds while they
        /// change; `files` as in `started`.
        case progress(statistics: CaptureStatistics, files: [String])
        /// The process died or could not start; podcap retries after `retryIn`.
        case failed(reason: String, retryIn: Duration, attempt: Int)
        /// The Pod cannot be captured yet (no running container found); retried after `retryIn`.
        case waiting(reason: String, retryIn: Duration)
        /// The capture ended. `filesDeleted` lists removed paths (empty when files were kept).
        /// `ran` is false when no tcpdump of this capture ever started (it was queued, waiting
        /// for the Pod, or failing at start), so nothing was stopped, only a pending capture
        /// cancelled.
        case stopped(reason: StopReason, exit: CaptureExit?, filesDeleted: [String], ran: Bool)
        /// The annotation cannot be honoured; nothing runs.
        case rejected(CaptureRejection)
        /// The capture ended by itself (`reason`); tcpdump is gone and `files` (oldest first,
        /// those that exist) are kept until the annotation goes. It is not restarted.
        case completed(reason: CompletionReason, exit: CaptureExit?, files: [String])
    }

    /// Why a capture ended by itself.
    public enum CompletionReason: Sendable, Hashable, CustomStringConvertible {
        /// `tcpdump.antrea.io/duration` elapsed.
        case duration(Duration)
        /// `tcpdump.antrea.io/packets` packets were captured.
        case packetCount(Int)
        /// `stop-on: container-restart`: `container` terminated or restarted.
        case containerRestarted(container: String, detail: String)

        /// A short CamelCase reason, as Kubernetes Events and metrics labels use.
        public var reason: String {
            switch self {
            case .duration: "DurationElapsed"
            case .packetCount: "PacketCountReached"
            case .containerRestarted: "ContainerRestarted"
            }
        }

        public var description: String {
            switch self {
            case .duration(let duration): "duration \(duration.readable) elapsed"
            case .packetCount(let count): "\(count) packet\(count == 1 ? "" : "s") captured"
            case .containerRestarted(let container, let detail): "container \(container) \(detail)"
            }
        }
    }

    /// Why a capture was stopped.
    public enum StopReason: String, Sendable, Hashable {
        /// The annotation was removed (or became invalid): files deleted.
        case annotationRemoved
        /// The annotation now asks for another file count: files deleted, a new capture follows.
        case fileCountChanged
        /// An option annotation changed: files deleted, a new capture with the new options follows.
        case optionsChanged
        /// The Pod was deleted, is terminating, or left this node: files deleted.
        case podGone
        /// podcap is shutting down: SIGTERM, files kept for the next start.
        case shutdown
        /// podcap was cancelled (hard stop): SIGKILL, files kept for the next start.
        case cancelled
    }
}

/// Receives every `CaptureReport`. Called on the Supervisor's hot path, so it must not block:
/// implementations that do I/O hand the report to their own bounded queue.
public protocol CaptureReporter: Sendable {
    func report(_ report: CaptureReport)
}

/// Fans one report out to several reporters.
public struct CompositeReporter: CaptureReporter {
    public var reporters: [any CaptureReporter]
    public init(_ reporters: [any CaptureReporter]) { self.reporters = reporters }
    public func report(_ report: CaptureReport) {
        for reporter in reporters { reporter.report(report) }
    }
}
