import Actors
import KubeClient
import Synchronization

/// A bare watcher: the production `PodListWatcher` on its own connection, with no controller
/// behind it, recording when each Pod event arrives. It measures the API server's floor for
/// every latency row, PATCH sent → watch event delivered, in the same cycles as the controller.
final class BenchWatchArrivals: Sendable {
    /// `(capture annotation value, arrival time)` per Pod name, in arrival order.
    private let arrivals = Mutex<[String: [(value: String?, at: UInt64)]]>([:])

    func record(_ event: PodEvent) {
        let now = BenchClock.nanos()
        switch event {
        case .added(let pod), .modified(let pod):
            arrivals.withLock { $0[pod.metadata.name, default: []].append((pod.metadata.annotations[captureAnnotation], now)) }
        case .deleted, .resynced:
            break
        }
    }

    /// The first arrival at or after `after` of `pod` with the annotation equal to `value`,
    /// waiting up to a second for it.
    func arrival(of pod: String, value: String?, after: UInt64) async -> UInt64? {
        for _ in 0..<1000 {
            let found = arrivals.withLock { $0[pod]?.first { $0.at >= after && $0.value == value }?.at }
            if let found { return found }
            try? await Task.sleep(for: .milliseconds(1))
        }
        return nil
    }

    /// Runs the watcher until the calling task is cancelled.
    func watch(client: KubernetesClient, node: String) async {
        let watcher = PodListWatcher(client: client, nodeName: node)
        try? await watcher.run { [self] event in record(event) }
    }
}
