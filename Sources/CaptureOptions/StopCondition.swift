/// `tcpdump.antrea.io/stop-on`: an event that ends a capture by itself, keeping its files.
public enum StopCondition: String, Sendable, Hashable, CaseIterable {
    /// Any container of the Pod terminates or restarts: the ring then holds the packets that
    /// led up to it, and stopping keeps them from being rotated away.
    case containerRestart = "container-restart"
}
