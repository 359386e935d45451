/// The 24-byte header of a classic pcap file, as tcpdump writes it.
///
/// Only what a reader needs to walk records and to tell whether two files can be concatenated
/// into one stream: byte order, timestamp resolution, snapshot length and link type.
public struct PcapFileHeader: Sendable, Hashable {
    /// Bytes of the file header.
    public static let size = 24
    /// Bytes of each record header (seconds, fraction, captured length, original length).
    public static let recordHeaderSize = 16

    /// The file was written on a machine of the other byte order.
    public var swapped: Bool
    /// Timestamps carry nanoseconds (magic `a1b23c4d`), else microseconds.
    public var nanosecond: Bool
    public var snaplen: UInt32
    /// The LINKTYPE_ value (1 Ethernet, 276 Linux cooked v2, …).
    public var linkType: UInt32

    public init(swapped: Bool = false, nanosecond: Bool = false, snaplen: UInt32 = 262_144, linkType: UInt32 = 1) {
        self.swapped = swapped
        self.nanosecond = nanosecond
        self.snaplen = snaplen
        self.linkType = linkType
    }

    /// Parses the first 24 bytes of `bytes`; `nil` when they are too few or the magic is not pcap's.
    public init?(_ bytes: [UInt8]) {
        guard bytes.count >= Self.size else { return nil }
        switch Self.littleEndian32(bytes, 0) {
        case 0xA1B2_C3D4: (swapped, nanosecond) = (false, false)
        case 0xA1B2_3C4D: (swapped, nanosecond) = (false, true)
        case 0xD4C3_B2A1: (swapped, nanosecond) = (true, false)
        case 0x4D3C_B2A1: (swapped, nanosecond) = (true, true)
        default: return nil
        }
        let major = UInt16(bytes[4]) | UInt16(bytes[5]) << 8
        guard (swapped ? major.byteSwapped : major) == 2 else { return nil }
        snaplen = Self.read32(bytes, 16, swapped: swapped)
        // The upper bits carry FCS length flags, not the link type.
        linkType = Self.read32(bytes, 20, swapped: swapped) & 0x0FFF_FFFF
    }

    /// Whether records of a file with `other`'s header can follow this header's in one stream.
    public func canContinue(with other: PcapFileHeader) -> Bool {
        swapped == other.swapped && nanosecond == other.nanosecond && linkType == other.linkType
            && snaplen == other.snaplen
    }

    /// The header in this machine's byte order (little-endian on every platform podcap runs on).
    public var bytes: [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(Self.size)
        Self.append32(nanosecond ? 0xA1B2_3C4D : 0xA1B2_C3D4, to: &out)
        Self.append16(2, to: &out)
        Self.append16(4, to: &out)
        Self.append32(0, to: &out)
        Self.append32(0, to: &out)
        Self.append32(snaplen, to: &out)
        Self.append32(linkType, to: &out)
        return out
    }

    static func littleEndian32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16
            | UInt32(bytes[offset + 3]) << 24
    }

    static func read32(_ bytes: [UInt8], _ offset: Int, swapped: Bool) -> UInt32 {
        let value = littleEndian32(bytes, offset)
        return swapped ? value.byteSwapped : value
    }

    static func append32(_ value: UInt32, to out: inout [UInt8]) {
        for shift in stride(from: 0, to: 32, by: 8) { out.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    static func append16(_ value: UInt16, to out: inout [UInt8]) {
        out.append(UInt8(truncatingIfNeeded: value))
        out.append(UInt8(truncatingIfNeeded: value >> 8))
    }
}
