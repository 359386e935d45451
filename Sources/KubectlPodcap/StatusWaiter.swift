#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeClient

/// Polls a Pod's status annotation until a condition holds: the agent acts within a few
/// hundred milliseconds, and one GET per 200 ms is less than a watch's set-up costs here.
struct StatusWaiter {
    enum Verdict {
        case done
        case failed(String)
    }

    let cluster: Cluster
    let seconds: Int

    /// The status for which `decide` said `.done` (`nil` status when the condition was its absence).
    @discardableResult
    func wait(for pod: PodItem, what: String, _ decide: (CaptureStatus?) -> Verdict?) async throws -> CaptureStatus {
        let deadline = ContinuousClock.now + .seconds(seconds)
        var last: CaptureStatus?
        while true {
            let current = try await cluster.pod(namespace: pod.metadata.namespace, name: pod.metadata.name)
            last = current.captureStatus
            switch decide(last) {
            case .done:
                return last ?? CaptureStatus(state: "absent")
            case .failed(let message):
                throw PluginError.rejected(pod: pod.displayName, message: message)
            case nil:
                break
            }
            guard ContinuousClock.now < deadline else {
                throw PluginError.timeout(pod: pod.displayName, waitingFor: what, last: last.map { "\($0.state): \($0.message ?? "")" })
            }
            try await Task.sleep(for: .milliseconds(200))
        }
    }
}

extension CaptureStatus {
    /// Whether the agent wrote this status at or after `date` (the annotation has whole seconds).
    func isWritten(after date: Date) -> Bool {
        guard let time, let written = RFC3339.parse(time) else { return false }
        return written.timeIntervalSince1970 >= date.timeIntervalSince1970.rounded(.down)
    }
}
