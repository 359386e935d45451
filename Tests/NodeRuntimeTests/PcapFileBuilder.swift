/// Builds classic little-endian pcap files (microsecond timestamps) byte by byte for tests.
struct PcapFileBuilder {
    private(set) var bytes: [UInt8] = []
    /// Offsets at which a packet record ends (and the header ends): clean cut points.
    private(set) var boundaries: Set<Int> = []

    init(linkType: UInt32 = 1) {
        append32(0xA1B2_C3D4)
        append16(2); append16(4)
        append32(0); append32(0)
        append32(262_144)
        append32(linkType)
        boundaries.insert(bytes.count)
    }

    mutating func packet(_ frame: [UInt8], seconds: UInt32, microseconds: UInt32 = 0, originalLength: Int? = nil) {
        append32(seconds); append32(microseconds)
        append32(UInt32(frame.count)); append32(UInt32(originalLength ?? frame.count))
        bytes += frame
        boundaries.insert(bytes.count)
    }

    static func ethernet(_ etherType: UInt16, _ payload: [UInt8]) -> [UInt8] {
        [UInt8](repeating: 0x02, count: 6) + [UInt8](repeating: 0x04, count: 6) + [UInt8(etherType >> 8), UInt8(etherType & 0xFF)] + payload
    }

    static func ipv4(_ protocolNumber: UInt8, from source: [UInt8], to destination: [UInt8], payload: [UInt8] = [0, 0, 0, 0, 0, 0, 0, 0]) -> [UInt8] {
        let total = 20 + payload.count
        return [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 0, 0x40, 0, 64, protocolNumber, 0, 0] + source + destination + payload
    }

    static func ipv6(_ next: UInt8, from source: [UInt8], to destination: [UInt8], payload: [UInt8]) -> [UInt8] {
        [0x60, 0, 0, 0, UInt8(payload.count >> 8), UInt8(payload.count & 0xFF), next, 64] + source + destination + payload
    }

    private mutating func append16(_ v: UInt16) { bytes += [UInt8(v & 0xFF), UInt8(v >> 8)] }
    private mutating func append32(_ v: UInt32) { for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8(v >> UInt32(shift) & 0xFF)) } }
}
