/// Reads back what `PcapngWriter` writes, block by block: the interface names and the number
/// of packets per interface. Used to check a merge; libpcap reads the packets but does not
/// expose interface names.
public struct PcapngBlocks: Sendable, Hashable {
    public var interfaceNames: [String] = []
    public var packetsPerInterface: [Int] = []
    /// Timestamps of the packets, in file order.
    public var timestamps: [UInt64] = []

    /// Parses a little-endian pcapng section; `nil` when the bytes are not one.
    public init?(_ bytes: [UInt8]) {
        var offset = 0
        guard bytes.count >= 28, PcapFileHeader.littleEndian32(bytes, 0) == 0x0A0D_0D0A,
              PcapFileHeader.littleEndian32(bytes, 8) == 0x1A2B_3C4D else { return nil }
        while offset + 12 <= bytes.count {
            let type = PcapFileHeader.littleEndian32(bytes, offset)
            let length = Int(PcapFileHeader.littleEndian32(bytes, offset + 4))
            guard length >= 12, length % 4 == 0, offset + length <= bytes.count else { return nil }
            switch type {
            case 1:
                var name = ""
                var option = offset + 16
                while option + 4 <= offset + length - 4 {
                    let code = Int(bytes[option]) | Int(bytes[option + 1]) << 8
                    let size = Int(bytes[option + 2]) | Int(bytes[option + 3]) << 8
                    if code == 0 { break }
                    guard option + 4 + size <= offset + length - 4 else { return nil }
                    if code == 2 { name = String(decoding: bytes[(option + 4)..<(option + 4 + size)], as: UTF8.self) }
                    option += 4 + (size + 3) / 4 * 4
                }
                interfaceNames.append(name)
                packetsPerInterface.append(0)
            case 6:
                let interface = Int(PcapFileHeader.littleEndian32(bytes, offset + 8))
                guard interface < packetsPerInterface.count else { return nil }
                packetsPerInterface[interface] += 1
                let high = UInt64(PcapFileHeader.littleEndian32(bytes, offset + 12))
                let low = UInt64(PcapFileHeader.littleEndian32(bytes, offset + 16))
                timestamps.append(high << 32 | low)
            default:
                break
            }
            offset += length
        }
        guard offset == bytes.count else { return nil }
    }
}
