/// The optional annotations that shape a capture, beside `tcpdump.antrea.io: "<N>"`.
///
/// Every other key under `tcpdump.antrea.io/` except podcap's own status is refused, so a typo
/// (`tcpdump.antrea.io/filer`) is reported instead of silently capturing everything.
public enum OptionAnnotation: String, Sendable, Hashable, CaseIterable, CustomStringConvertible {
    case filter = "tcpdump.antrea.io/filter"
    case snaplen = "tcpdump.antrea.io/snaplen"
    case interface = "tcpdump.antrea.io/interface"
    case duration = "tcpdump.antrea.io/duration"
    case packets = "tcpdump.antrea.io/packets"
    case stopOn = "tcpdump.antrea.io/stop-on"

    /// The prefix every option annotation shares.
    public static let prefix = "tcpdump.antrea.io/"
    /// podcap writes this one itself; it is not an option.
    public static let status = "tcpdump.antrea.io/status"

    /// The part after the prefix (`filter`, `stop-on`): how Events and the status name it.
    public var shortName: Substring { rawValue.dropFirst(Self.prefix.count) }

    public var description: String { rawValue }
}
