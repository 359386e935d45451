/// What a Pod's option annotations ask of its capture; `nil` fields take podcap's defaults.
public struct CaptureOptions: Sendable, Hashable {
    /// A BPF expression, already accepted by libpcap; tcpdump gets it as one argv element.
    public var filter: String?
    /// `tcpdump -s`: bytes kept of each packet.
    public var snaplen: Int?
    /// Interface inside the Pod's network namespace; `nil` is the node-wide default (`eth0`).
    public var interface: String?
    /// The capture completes after this long (timed from its first start).
    public var duration: Duration?
    /// `tcpdump -c`: the capture completes after this many packets.
    public var packets: Int?
    public var stopOn: StopCondition?

    public init(filter: String? = nil, snaplen: Int? = nil, interface: String? = nil, duration: Duration? = nil,
                packets: Int? = nil, stopOn: StopCondition? = nil) {
        self.filter = filter
        self.snaplen = snaplen
        self.interface = interface
        self.duration = duration
        self.packets = packets
        self.stopOn = stopOn
    }

    /// No option set: a plain capture of every packet until the annotation goes.
    public var isEmpty: Bool { self == CaptureOptions() }

    /// The options in force as `annotation=value` pairs, in a fixed order, for Events and the
    /// status annotation; the duration is written as parsed (`90s` → `1m30s`).
    public var summary: [(annotation: OptionAnnotation, value: String)] {
        var out: [(OptionAnnotation, String)] = []
        if let filter { out.append((.filter, filter)) }
        if let snaplen { out.append((.snaplen, String(snaplen))) }
        if let interface { out.append((.interface, interface)) }
        if let duration { out.append((.duration, DurationValue.format(duration))) }
        if let packets { out.append((.packets, String(packets))) }
        if let stopOn { out.append((.stopOn, stopOn.rawValue)) }
        return out
    }
}
