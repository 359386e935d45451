import KubeModel

/// Identifies one Pod incarnation. A Pod re-created with the same name has another `uid` and
/// is another capture.
public struct PodRef: Sendable, Hashable, CustomStringConvertible {
    public var namespace: String
    public var name: String
    public var uid: String

    public init(namespace: String, name: String, uid: String) {
        self.namespace = namespace
        self.name = name
        self.uid = uid
    }

    public init(_ pod: Pod) {
        self.init(namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid)
    }

    public var description: String { "\(namespace)/\(name)" }
}
