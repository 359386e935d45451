import Actors
import KubeClient
import Logging

/// A `PodSource` wrapper that, on the first list, removes `tcpdump.antrea.io/status` from every
/// Pod of this Node that no longer asks for a capture (annotation removed while podcap was down,
/// or the Pod is terminating): a status an earlier run wrote and no capture of this run stands
/// behind. A Pod that still asks gets a fresh status from the Supervisor's first report (queued,
/// started, rejected, …), which replaces the old one. After the first list the Supervisor's own
/// reports keep the status true.
///
/// It runs before the Supervisor sees the list and enqueues into the same `KubeReporter` queue
/// as the reports, so a removal and a later report about the same Pod stay in order.
public struct StaleStatusSweeper: PodSource {
    let upstream: any PodSource
    let nodeName: String
    let clear: @Sendable (PodRef) -> Void
    let logger: Logger

    /// - Parameter clear: removes the status of one Pod (`KubeReporter.clearStatus(of:)`).
    public init(upstream: any PodSource, nodeName: String, logger: Logger = Logger(label: "podcap.startup"),
                clear: @escaping @Sendable (PodRef) -> Void) {
        self.upstream = upstream
        self.nodeName = nodeName
        self.clear = clear
        self.logger = logger
    }

    public func run(emit: @Sendable (PodEvent) async throws -> Void) async throws {
        try await runWithFirstList(upstream, emit: emit) { pods in
            let stale = staleAtStart(pods)
            if !stale.isEmpty {
                logger.notice("removing \(CaptureNotice.statusAnnotation) left by a previous run from Pods that no longer ask for a capture",
                              metadata: ["pods": "\(stale.map(\.description).joined(separator: ", "))"])
            }
            for pod in stale { clear(pod) }
        }
    }

    /// Pods of the first list whose status no capture of this run stands behind.
    func staleAtStart(_ pods: [Pod]) -> [PodRef] {
        pods.compactMap { pod in
            guard pod.spec.nodeName == nodeName, pod.metadata.annotations[CaptureNotice.statusAnnotation] != nil else { return nil }
            // Only the capture annotation's presence matters here: a Pod that still asks, even with
            // an unusable value, gets its status rewritten by the Supervisor (and parsing would
            // compile every filter once more at start-up).
            if pod.metadata.annotations[captureAnnotation] == nil { return PodRef(pod) }
            return pod.metadata.deletionTimestamp != nil ? PodRef(pod) : nil
        }
    }
}
