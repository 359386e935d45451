/// One change to the set of Pods on this Node, as a `PodSource` reports it.
public enum PodEvent: Sendable, Hashable {
    case added(Pod)
    case modified(Pod)
    case deleted(Pod)
    /// The full current set after a (re)list: every Pod not in it is gone, even if its
    /// DELETED event was never seen (e.g. the watch expired with 410 Gone).
    case resynced([Pod])
}

/// Where Pod events come from: the Kubernetes list+watch in production, in-memory sources in tests.
///
/// `run` delivers events in order by awaiting `emit`, which suspends while the consumer is
/// behind (back-pressure), and returns only when cancelled or on an unrecoverable error.
/// A source starts with a `.resynced` holding its initial list.
public protocol PodSource: Sendable {
    func run(emit: @Sendable (PodEvent) async throws -> Void) async throws
}
