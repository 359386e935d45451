import Actors

/// The container podcap chose to enter a Pod's network namespace from.
public struct ResolvedContainer: Sendable, Hashable {
    /// A host PID of a process of `container`.
    public var pid: Int32
    /// The first container in declaration order that has a process on this node.
    public var container: CaptureTarget.Container

    public init(pid: Int32, container: CaptureTarget.Container) {
        self.pid = pid
        self.container = container
    }
}
