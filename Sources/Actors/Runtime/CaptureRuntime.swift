/// The node-side operations a capture needs: find the Pod's namespace, run tcpdump, delete files.
///
/// Production uses `NodeRuntime.TcpdumpRuntime`; the actor simulations use an in-memory fake.
/// Implementations must be safe to call concurrently for different Pods.
public protocol CaptureRuntime: Sendable {
    /// Resolves a PID inside the target's network namespace and spawns the capture process.
    ///
    /// Throws `.notReady` when no container of the target could be found on this node yet (the
    /// caller retries with backoff) and `.failed` when spawning failed for another reason.
    func start(_ plan: CapturePlan, target: CaptureTarget) async throws(CaptureStartError) -> any CaptureProcess

    /// Deletes exactly the files the capture owns, never a pattern: the ring of any of its runs
    /// and the segments kept from earlier runs (`CapturePlan.ownsRingSuffix`,
    /// `CapturePlan.segmentName`). Returns the paths that existed and were removed; a file
    /// that is already gone is not an error. Must run to completion even when the calling task
    /// is cancelled: it is the cleanup of a cancelled capture.
    func removeFiles(of plan: CapturePlan) async -> [String]
}

/// One running capture process that a `CaptureActor` owns.
///
/// Every method may be called more than once and from any task; after the process was reaped
/// they all return the same `CaptureExit` immediately.
public protocol CaptureProcess: Sendable {
    /// The PID of the spawned process (tcpdump itself: nsenter execs it without forking).
    var pid: Int32 { get }
    /// Which container's PID the namespace was entered from, for reports.
    var container: CaptureTarget.Container { get }
    /// Every path the capture owns while this process runs, oldest first: files kept from
    /// earlier runs, then this run's ring (not all of which exist yet).
    var files: [String] { get }
    /// Suspends until the process has exited and was reaped, and returns how it ended.
    /// Returns `nil` promptly when the waiting task is cancelled first: cancelling a wait
    /// never signals the process.
    func waitForExit() async -> CaptureExit?
    /// SIGTERM (tcpdump flushes and closes its file), then SIGKILL once `grace` has passed, or
    /// at once if the calling task is cancelled meanwhile; returns after the process was reaped.
    func terminate(grace: Duration) async -> CaptureExit
    /// SIGKILL now; returns after the process was reaped, whether or not the task is cancelled.
    func kill() async -> CaptureExit
    /// Waits, briefly and bounded, until the process has written what it already received,
    /// before a stop that keeps the files: a signal ends tcpdump's loop without reading the
    /// packets still queued in its kernel ring.
    func drain() async
    /// For `stop-on: container-restart`: returns the first of the Pod's containers whose
    /// process exited while this capture ran (seen from the node, before the kubelet reports
    /// it), or `nil` once the waiting task is cancelled.
    func containerEnded() async -> ContainerEnd?
    /// The packets captured and dropped so far, asked of the running process; `nil` when it
    /// cannot tell.
    func statistics() async -> CaptureStatistics?
}

/// A container of the captured Pod whose main process exited.
public struct ContainerEnd: Sendable, Hashable {
    public var container: String
    public var detail: String
    public init(container: String, detail: String) {
        self.container = container
        self.detail = detail
    }
}

extension CaptureProcess {
    /// Nothing to drain by default.
    public func drain() async {}

    /// No live counters by default.
    public func statistics() async -> CaptureStatistics? { nil }

    /// No container watch by default: waits until cancelled.
    public func containerEnded() async -> ContainerEnd? {
        await suspendUntilCancelled()
        return nil
    }
}

/// Suspends until the calling task is cancelled: a wait for an event that never comes, which
/// a task group cancels once another child has won.
public func suspendUntilCancelled() async {
    let (never, keep) = AsyncStream.makeStream(of: Never.self)
    for await _ in never {}
    keep.finish()
}

/// How a capture process ended, with what tcpdump said about it.
public struct CaptureExit: Sendable, Hashable, CustomStringConvertible {
    public enum Status: Sendable, Hashable {
        case exited(Int32)
        case signaled(Int32)
    }

    public var status: Status
    /// tcpdump's closing statistics, when it printed them (it does on SIGTERM/SIGINT).
    public var statistics: CaptureStatistics?
    /// The most telling line tcpdump wrote to stderr, e.g. `eth0: No such device exists`.
    public var errorMessage: String?

    public init(status: Status, statistics: CaptureStatistics? = nil, errorMessage: String? = nil) {
        self.status = status
        self.statistics = statistics
        self.errorMessage = errorMessage
    }

    public var description: String {
        let how = switch status {
        case .exited(let code): "exited with status \(code)"
        case .signaled(let signal): "was killed by signal \(signal)"
        }
        if let errorMessage { return "tcpdump \(how): \(errorMessage)" }
        return "tcpdump \(how)"
    }
}

/// The three counters tcpdump prints when it stops.
public struct CaptureStatistics: Sendable, Hashable {
    public var captured: UInt64
    public var receivedByFilter: UInt64
    public var droppedByKernel: UInt64

    public init(captured: UInt64, receivedByFilter: UInt64, droppedByKernel: UInt64) {
        self.captured = captured
        self.receivedByFilter = receivedByFilter
        self.droppedByKernel = droppedByKernel
    }
}

/// Why a capture process could not be started.
public enum CaptureStartError: Error, Sendable, Hashable, CustomStringConvertible {
    /// No process of any of the Pod's containers was found (yet); retried with backoff.
    case notReady(String)
    /// Spawning failed (missing binary, permission); retried with backoff and reported.
    case failed(String)
    /// An option cannot work in this Pod (the interface does not exist); nothing runs and
    /// nothing is retried until the annotations change.
    case rejected(CaptureRejection)
    /// Nothing is left to capture: the files of earlier runs already hold the packets asked for.
    case completed(CaptureReport.CompletionReason)

    public var description: String {
        switch self {
        case .notReady(let why): "Pod not ready for capture: \(why)"
        case .failed(let why): "cannot start tcpdump: \(why)"
        case .rejected(let rejection): rejection.description
        case .completed(let reason): "capture already complete: \(reason)"
        }
    }
}
