import Actors
import KubeClient
import Synchronization

/// A `PodSource` wrapper that tells the metrics when a Pod's capture annotation appears or
/// changes value, the start of `capture_start_latency_seconds`.
struct AnnotationClock: PodSource {
    let upstream: any PodSource
    let metrics: MetricsReporter

    func run(emit: @Sendable (PodEvent) async throws -> Void) async throws {
        let seen = Mutex<[String: String]>([:])
        try await upstream.run { event in
            switch event {
            case .added(let pod), .modified(let pod): note(pod, seen)
            case .deleted(let pod): _ = seen.withLock { $0.removeValue(forKey: pod.metadata.uid) }
            case .resynced(let pods): for pod in pods { note(pod, seen) }
            }
            try await emit(event)
        }
    }

    private func note(_ pod: Pod, _ seen: borrowing Mutex<[String: String]>) {
        let value = pod.metadata.annotations[captureAnnotation]
        let changed = seen.withLock { known -> Bool in
            guard known[pod.metadata.uid] != value else { return false }
            known[pod.metadata.uid] = value
            return value != nil
        }
        if changed { metrics.annotationSeen(uid: pod.metadata.uid) }
    }
}
