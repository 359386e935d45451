/// Finds the network and transport protocol and the IP addresses of one captured frame.
///
/// Bounds-checked throughout: a frame cut by the snap length or a malformed header just stops
/// the dissection early.
struct PacketDissector {
    enum Network { case ipv4, ipv6, arp, other }
    enum Transport { case tcp, udp, icmp, icmpv6, other, none }

    struct Result {
        var network: Network = .other
        var transport: Transport = .none
        var ipv4: (UInt32, UInt32)?
        var ipv6: (IPv6Bits, IPv6Bits)?
    }

    /// Raw 128-bit IPv6 address.
    struct IPv6Bits: Hashable {
        var high: UInt64
        var low: UInt64
    }

    /// `LINKTYPE_*`/`DLT_*` values this dissector understands.
    static let ethernet: Int32 = 1, raw: Int32 = 12, linkTypeRaw: Int32 = 101, linuxSLL: Int32 = 113, linuxSLL2: Int32 = 276

    static func dissect(_ frame: UnsafeRawBufferPointer, linkType: Int32) -> Result {
        switch linkType {
        case ethernet:
            guard frame.count >= 14 else { return Result() }
            var offset = 12
            var etherType = be16(frame, offset)
            // 802.1Q / 802.1ad tags.
            while etherType == 0x8100 || etherType == 0x88A8, frame.count >= offset + 6 {
                offset += 4
                etherType = be16(frame, offset)
            }
            return network(etherType, frame, from: offset + 2)
        case linuxSLL:
            guard frame.count >= 16 else { return Result() }
            return network(be16(frame, 14), frame, from: 16)
        case linuxSLL2:
            guard frame.count >= 20 else { return Result() }
            return network(be16(frame, 0), frame, from: 20)
        case raw, linkTypeRaw:
            guard let first = frame.first else { return Result() }
            return network(first >> 4 == 6 ? 0x86DD : 0x0800, frame, from: 0)
        default:
            return Result()
        }
    }

    private static func network(_ etherType: UInt16, _ frame: UnsafeRawBufferPointer, from start: Int) -> Result {
        var result = Result()
        switch etherType {
        case 0x0806:
            result.network = .arp
        case 0x0800:
            result.network = .ipv4
            guard frame.count >= start + 20 else { return result }
            result.ipv4 = (be32(frame, start + 12), be32(frame, start + 16))
            let fragmentOffset = be16(frame, start + 6) & 0x1FFF
            result.transport = fragmentOffset == 0 ? transport(frame[start + 9]) : .other
        case 0x86DD:
            result.network = .ipv6
            guard frame.count >= start + 40 else { return result }
            result.ipv6 = (bits(frame, start + 8), bits(frame, start + 24))
            var next = frame[start + 6]
            var offset = start + 40
            // Skip extension headers to the transport header (hop-by-hop precedes MLD, say).
            while [0, 43, 60].contains(next) || next == 44 {
                guard frame.count >= offset + 8 else { result.transport = .other; return result }
                if next == 44 {
                    if be16(frame, offset + 2) & 0xFFF8 != 0 { result.transport = .other; return result }
                    next = frame[offset]
                    offset += 8
                } else {
                    next = frame[offset]
                    offset += (Int(frame[offset + 1]) + 1) * 8
                }
            }
            result.transport = transport(next)
        default:
            result.network = .other
        }
        return result
    }

    private static func transport(_ number: UInt8) -> Transport {
        switch number {
        case 6: .tcp
        case 17: .udp
        case 1: .icmp
        case 58: .icmpv6
        default: .other
        }
    }

    private static func be16(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt16 {
        UInt16(b[i]) << 8 | UInt16(b[i + 1])
    }

    private static func be32(_ b: UnsafeRawBufferPointer, _ i: Int) -> UInt32 {
        UInt32(be16(b, i)) << 16 | UInt32(be16(b, i + 2))
    }

    private static func bits(_ b: UnsafeRawBufferPointer, _ i: Int) -> IPv6Bits {
        var high: UInt64 = 0, low: UInt64 = 0
        for k in 0..<8 { high = high << 8 | UInt64(b[i + k]) }
        for k in 8..<16 { low = low << 8 | UInt64(b[i + k]) }
        return IPv6Bits(high: high, low: low)
    }
}
