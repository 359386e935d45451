import KubeModel

/// Which containers of a Pod can lead podcap to its network namespace, best first.
///
/// All containers of a Pod share one network namespace, so any running one will do; the
/// first declared container comes first because that is the policy users were promised.
public struct CaptureTarget: Sendable, Hashable {
    public var pod: PodRef
    /// Running containers as `(name, containerID)`, `spec.containers[0]` first when it runs.
    public var containers: [Container]

    /// One running container of the Pod.
    public struct Container: Sendable, Hashable {
        public var name: String
        /// As the kubelet writes it: `containerd://<id>`, `cri-o://<id>`, `docker://<id>`.
        public var containerID: String
        public init(name: String, containerID: String) {
            self.name = name
            self.containerID = containerID
        }
    }

    public init(pod: PodRef, containers: [Container]) {
        self.pod = pod
        self.containers = containers
    }
}

/// Whether a Pod can be captured right now, independent of its annotation.
public enum PodReadiness: Sendable, Hashable {
    case ready(CaptureTarget)
    /// Not Running yet, or no container runs; the capture starts once this changes.
    case notReady(String)
    /// `deletionTimestamp` is set: the Pod is going away.
    case terminating

    public init(_ pod: Pod) {
        if pod.metadata.deletionTimestamp != nil { self = .terminating; return }
        let phase = pod.status.phase ?? "Unknown"
        guard phase == "Running" else { self = .notReady("Pod phase is \(phase), not Running"); return }
        var running: [CaptureTarget.Container] = []
        var first: CaptureTarget.Container?
        let firstName = pod.spec.containers.first?.name
        for status in pod.status.containerStatuses {
            guard status.state.running != nil, let id = status.containerID, !id.isEmpty else { continue }
            let container = CaptureTarget.Container(name: status.name, containerID: id)
            if status.name == firstName { first = container } else { running.append(container) }
        }
        if let first { running.insert(first, at: 0) }
        guard !running.isEmpty else { self = .notReady("no container of the Pod is running"); return }
        self = .ready(CaptureTarget(pod: PodRef(pod), containers: running))
    }
}
