import Actors

/// A capture process as `TcpdumpRuntime.prepare` decided it, before it is spawned.
public struct SpawnCommand: Sendable, Hashable {
    /// `nsenter --net=/proc/PID/ns/net tcpdump …`; no shell.
    public var argv: [String]
    /// The container whose PID the namespace is entered from.
    public var container: CaptureTarget.Container
    /// Every path the capture owns while it runs, oldest first.
    public var files: [String]
}
