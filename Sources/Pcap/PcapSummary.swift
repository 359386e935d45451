/// What a pcap file contains, like `capinfos` reports it, plus the addresses seen.
public struct PcapSummary: Sendable, Hashable, Codable {
    /// The path that was read.
    public var path: String
    /// Packets read completely.
    public var packets: Int
    /// Sum of the packets' original (on-the-wire) lengths.
    public var bytes: Int
    /// Sum of the bytes actually stored (less than `bytes` when a snap length cut packets).
    public var capturedBytes: Int
    public var firstTimestamp: PcapTimestamp?
    public var lastTimestamp: PcapTimestamp?
    /// libpcap's DLT name, e.g. `EN10MB`; `nil` when not even the file header was complete.
    public var linkType: String?
    /// libpcap's description of the link type, e.g. `Ethernet`.
    public var linkTypeDescription: String?
    public var protocols: ProtocolCounts
    /// Source and destination IPv4 addresses seen, dotted quad.
    public var ipv4Addresses: Set<String>
    /// Source and destination IPv6 addresses seen, RFC 5952 text.
    public var ipv6Addresses: Set<String>
    /// The file ended in the middle of its header or a packet: still being written, or cut.
    public var truncated: Bool
    /// libpcap's message for the truncation or read error, if any.
    public var readError: String?

    public init(path: String) {
        self.path = path
        packets = 0
        bytes = 0
        capturedBytes = 0
        protocols = ProtocolCounts()
        ipv4Addresses = []
        ipv6Addresses = []
        truncated = false
    }

    /// Time between the first and the last packet.
    public var duration: Duration? {
        guard let firstTimestamp, let lastTimestamp else { return nil }
        return firstTimestamp.duration(to: lastTimestamp)
    }
}

/// Packets per protocol. Network-layer counts and transport-layer counts are separate tallies.
public struct ProtocolCounts: Sendable, Hashable, Codable {
    public var ipv4 = 0
    public var ipv6 = 0
    public var arp = 0
    /// Link-layer frames carrying none of the above.
    public var otherNetwork = 0
    public var tcp = 0
    public var udp = 0
    public var icmp = 0
    public var icmpv6 = 0
    /// IP packets carrying another transport (or a non-first fragment).
    public var otherTransport = 0

    public init() {}
}

extension PcapSummary {
    private enum CodingKeys: String, CodingKey {
        case path, packets, bytes, capturedBytes, firstTimestamp, lastTimestamp, linkType, linkTypeDescription
        case protocols, ipv4Addresses, ipv6Addresses, truncated, readError
    }

    /// Encodes address sets sorted, so JSON output is stable from run to run.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(path, forKey: .path)
        try c.encode(packets, forKey: .packets)
        try c.encode(bytes, forKey: .bytes)
        try c.encode(capturedBytes, forKey: .capturedBytes)
        try c.encodeIfPresent(firstTimestamp, forKey: .firstTimestamp)
        try c.encodeIfPresent(lastTimestamp, forKey: .lastTimestamp)
        try c.encodeIfPresent(linkType, forKey: .linkType)
        try c.encodeIfPresent(linkTypeDescription, forKey: .linkTypeDescription)
        try c.encode(protocols, forKey: .protocols)
        try c.encode(ipv4Addresses.sorted(), forKey: .ipv4Addresses)
        try c.encode(ipv6Addresses.sorted(), forKey: .ipv6Addresses)
        try c.encode(truncated, forKey: .truncated)
        try c.encodeIfPresent(readError, forKey: .readError)
    }
}
