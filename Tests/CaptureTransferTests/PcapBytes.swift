@testable import CaptureTransfer

/// Builds pcap files in memory: a header, then records with given timestamps and payloads.
struct PcapBytes {
    var bytes: [UInt8]

    init(linkType: UInt32 = 1, snaplen: UInt32 = 262_144) {
        bytes = PcapFileHeader(snaplen: snaplen, linkType: linkType).bytes
    }

    /// A record of `length` bytes of `fill` at `seconds`.`micros`.
    mutating func add(seconds: UInt32, micros: UInt32 = 0, length: Int, fill: UInt8 = 0xAB) {
        for value in [seconds, micros, UInt32(length), UInt32(length)] { PcapFileHeader.append32(value, to: &bytes) }
        bytes += [UInt8](repeating: fill, count: length)
    }

    /// An IPv4/UDP frame on Ethernet from `source`, so libpcap-based summaries see an address.
    mutating func addUDP(seconds: UInt32, micros: UInt32 = 0, source: [UInt8] = [10, 1, 2, 3], payload: Int = 20) {
        var frame: [UInt8] = [UInt8](repeating: 0xFF, count: 6) + [2, 0, 0, 0, 0, 1] + [0x08, 0x00]
        let total = 20 + 8 + payload
        frame += [0x45, 0, UInt8(total >> 8), UInt8(total & 0xFF), 0, 0, 0x40, 0, 64, 17, 0, 0] + source + [10, 9, 9, 9]
        frame += [0x30, 0x39, 0x00, 0x35, UInt8((8 + payload) >> 8), UInt8((8 + payload) & 0xFF), 0, 0]
        frame += [UInt8](repeating: 0x61, count: payload)
        for value in [seconds, micros, UInt32(frame.count), UInt32(frame.count)] { PcapFileHeader.append32(value, to: &bytes) }
        bytes += frame
    }
}
