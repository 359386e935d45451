/// Node-wide bounds on option values (`--max-duration`); the rest are fixed by tcpdump.
public struct OptionLimits: Sendable, Hashable {
    /// Longest `tcpdump.antrea.io/duration` accepted.
    public var maxDuration: Duration

    /// tcpdump's own maximum snapshot length (`MAXIMUM_SNAPLEN`).
    public static let snaplenRange = 1...262_144
    /// `tcpdump -c` is an `int`.
    public static let packetRange = 1...Int(Int32.max)
    /// Long enough for any hand-written expression; a 100 KB value is a mistake, not a filter.
    public static let maxFilterBytes = 4096
    /// Linux `IFNAMSIZ` − 1.
    public static let maxInterfaceBytes = 15

    public init(maxDuration: Duration = .seconds(24 * 3600)) {
        self.maxDuration = maxDuration
    }
}
