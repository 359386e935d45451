@testable import Actors
import KubeModel

/// Builds Pods the way the kubelet would report them.
struct PodFactory {
    var node = "node-a"
    private var version: UInt64 = 1

    mutating func pod(_ name: String, namespace: String = "default", uid: String? = nil, annotation: String? = nil,
                      phase: String = "Running", running: Bool = true, node: String? = nil,
                      containerID: String? = nil, options: [String: String] = [:], restartCount: Int = 0) -> Pod {
        version += 1
        let uid = uid ?? "uid-\(namespace)-\(name)"
        var annotations: [String: String] = options
        if let annotation { annotations[captureAnnotation] = annotation }
        return Pod(
            metadata: ObjectMeta(namespace: namespace, name: name, uid: uid, resourceVersion: String(version), annotations: annotations),
            spec: PodSpec(nodeName: node ?? self.node, containers: [.init(name: "app")]),
            status: PodStatus(phase: phase, containerStatuses: [
                ContainerStatus(name: "app", containerID: containerID ?? "containerd://\(uid)", ready: running,
                                state: running ? ContainerState(running: .init()) : ContainerState(waiting: .init(reason: "ContainerCreating")),
                                restartCount: restartCount),
            ]))
    }
}
