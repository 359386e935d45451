/// Builds a pcapng section: one Interface Description Block per capture, then Enhanced Packet
/// Blocks in the order they are added (the caller orders them by time).
///
/// pcapng rather than pcap because it names interfaces: Wireshark shows `namespace/pod` as the
/// interface of every packet, so a merged capture still says where each packet was seen.
/// Little-endian, nanosecond timestamps (`if_tsresol` 9) on every interface.
public struct PcapngWriter: Sendable {
    /// One interface: a Pod's capture.
    public struct Interface: Sendable, Hashable {
        public var name: String
        public var description: String?
        public var linkType: UInt16
        public var snaplen: UInt32

        public init(name: String, description: String? = nil, linkType: UInt16, snaplen: UInt32) {
            self.name = name
            self.description = description
            self.linkType = linkType
            self.snaplen = snaplen
        }
    }

    public private(set) var bytes: [UInt8] = []

    /// Starts a section written by `application`.
    public init(application: String = "kubectl-podcap") {
        var body: [UInt8] = []
        Self.append32(0x1A2B_3C4D, to: &body)
        Self.append16(1, to: &body)
        Self.append16(0, to: &body)
        // Section length unknown (-1): readers walk the blocks.
        for _ in 0..<8 { body.append(0xFF) }
        Self.appendOption(4, Array(application.utf8), to: &body)
        Self.appendEndOfOptions(to: &body)
        appendBlock(type: 0x0A0D_0D0A, body: body)
    }

    /// Adds an interface; its index (0, 1, …) is what `addPacket` takes.
    public mutating func addInterface(_ interface: Interface) {
        var body: [UInt8] = []
        Self.append16(interface.linkType, to: &body)
        Self.append16(0, to: &body)
        Self.append32(interface.snaplen, to: &body)
        Self.appendOption(2, Array(interface.name.utf8), to: &body)
        if let description = interface.description { Self.appendOption(3, Array(description.utf8), to: &body) }
        Self.appendOption(9, [9], to: &body)
        Self.appendEndOfOptions(to: &body)
        appendBlock(type: 1, body: body)
    }

    /// Adds one packet seen on interface `interface` at `timestampNanoseconds`.
    public mutating func addPacket(interface: UInt32, timestampNanoseconds: UInt64, originalLength: UInt32,
                                   data: ArraySlice<UInt8>) {
        var body: [UInt8] = []
        body.reserveCapacity(20 + data.count + 3)
        Self.append32(interface, to: &body)
        Self.append32(UInt32(truncatingIfNeeded: timestampNanoseconds >> 32), to: &body)
        Self.append32(UInt32(truncatingIfNeeded: timestampNanoseconds), to: &body)
        Self.append32(UInt32(data.count), to: &body)
        Self.append32(originalLength, to: &body)
        body += data
        Self.pad(&body)
        appendBlock(type: 6, body: body)
    }

    /// Takes the bytes written so far, so a large merge can go to disk block by block.
    public mutating func drain() -> [UInt8] {
        defer { bytes.removeAll(keepingCapacity: true) }
        return bytes
    }

    private mutating func appendBlock(type: UInt32, body: [UInt8]) {
        let total = UInt32(12 + body.count)
        Self.append32(type, to: &bytes)
        Self.append32(total, to: &bytes)
        bytes += body
        Self.append32(total, to: &bytes)
    }

    private static func appendOption(_ code: UInt16, _ value: [UInt8], to body: inout [UInt8]) {
        append16(code, to: &body)
        append16(UInt16(value.count), to: &body)
        body += value
        pad(&body)
    }

    private static func appendEndOfOptions(to body: inout [UInt8]) {
        append32(0, to: &body)
    }

    private static func pad(_ body: inout [UInt8]) {
        while body.count % 4 != 0 { body.append(0) }
    }

    static func append32(_ value: UInt32, to out: inout [UInt8]) {
        PcapFileHeader.append32(value, to: &out)
    }

    static func append16(_ value: UInt16, to out: inout [UInt8]) {
        PcapFileHeader.append16(value, to: &out)
    }
}
