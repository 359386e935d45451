import Pcap
import Testing

@Suite("Pcap summaries of synthetic files")
struct PcapReaderTests {
    static let a: [UInt8] = [10, 1, 0, 2], b: [UInt8] = [10, 1, 0, 3]
    static let six1: [UInt8] = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]
    static let six2: [UInt8] = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]

    static func sample() -> [UInt8] { sampleFile().bytes }

    static func sampleFile() -> PcapFileBuilder {
        var file = PcapFileBuilder()
        file.packet(PcapFileBuilder.ethernet(0x0800, PcapFileBuilder.ipv4(17, from: a, to: b)), seconds: 1_700_000_000, microseconds: 5)
        file.packet(PcapFileBuilder.ethernet(0x0800, PcapFileBuilder.ipv4(6, from: b, to: a)), seconds: 1_700_000_001)
        file.packet(PcapFileBuilder.ethernet(0x0800, PcapFileBuilder.ipv4(1, from: a, to: b)), seconds: 1_700_000_001, originalLength: 1500)
        file.packet(PcapFileBuilder.ethernet(0x0806, [UInt8](repeating: 0, count: 28)), seconds: 1_700_000_002)
        // ICMPv6 behind a hop-by-hop header, as MLD reports are.
        let hopByHop: [UInt8] = [58, 0, 5, 2, 0, 0, 1, 0] + [143, 0, 0, 0]
        file.packet(PcapFileBuilder.ethernet(0x86DD, PcapFileBuilder.ipv6(0, from: six1, to: six2, payload: hopByHop)), seconds: 1_700_000_003)
        file.packet(PcapFileBuilder.ethernet(0x86DD, PcapFileBuilder.ipv6(17, from: six2, to: six1, payload: [0, 1, 0, 2, 0, 8, 0, 0])), seconds: 1_700_000_004, microseconds: 250_000)
        return file
    }

    @Test("counts, bytes, timestamps, link type, protocols and addresses")
    func summary() throws {
        let dir = TempTree.makeDirectory()
        defer { TempTree.removeTree(dir) }
        TempTree.write(dir + "/s.pcap", Self.sample())
        let s = try PcapReader.summarize(path: dir + "/s.pcap")
        #expect(s.packets == 6)
        #expect(s.linkType == "EN10MB")
        #expect(s.truncated == false && s.readError == nil)
        #expect(s.protocols.ipv4 == 3 && s.protocols.ipv6 == 2 && s.protocols.arp == 1)
        #expect(s.protocols.udp == 2 && s.protocols.tcp == 1 && s.protocols.icmp == 1 && s.protocols.icmpv6 == 1)
        #expect(s.ipv4Addresses == ["10.1.0.2", "10.1.0.3"])
        #expect(s.ipv6Addresses == ["fd00::1", "fd00::2"])
        #expect(s.firstTimestamp == PcapTimestamp(seconds: 1_700_000_000, nanoseconds: 5_000))
        #expect(s.lastTimestamp == PcapTimestamp(seconds: 1_700_000_004, nanoseconds: 250_000_000))
        #expect(s.bytes - s.capturedBytes == 1500 - 42)
        #expect(s.firstTimestamp?.description == "2023-11-14 22:13:20.000005000 UTC")
    }

    @Test("a file cut anywhere is read up to the cut and flagged, never a crash")
    func truncatedEverywhere() throws {
        let dir = TempTree.makeDirectory()
        defer { TempTree.removeTree(dir) }
        let file = Self.sampleFile()
        let full = file.bytes
        for cut in 0..<full.count {
            let path = dir + "/cut\(cut).pcap"
            TempTree.write(path, Array(full.prefix(cut)))
            let s = try PcapReader.summarize(path: path)
            #expect(s.packets < 6)
            #expect(s.truncated == !file.boundaries.contains(cut), "cut at \(cut)")
        }
    }

    /// Regression (Fuzz/Pcap): a microsecond field over 2^31/1000 trapped in `Int32(tv_usec)`.
    @Test("a record whose fraction is a second or more carries into the seconds")
    func oversizedFraction() throws {
        let dir = TempTree.makeDirectory()
        defer { TempTree.removeTree(dir) }
        var file = PcapFileBuilder()
        file.packet(PcapFileBuilder.ethernet(0x0800, PcapFileBuilder.ipv4(17, from: Self.a, to: Self.b)),
                    seconds: 1_700_000_000, microseconds: 0x1B00_0000)
        file.packet(PcapFileBuilder.ethernet(0x0800, PcapFileBuilder.ipv4(17, from: Self.a, to: Self.b)),
                    seconds: 1_700_000_000, microseconds: .max)
        TempTree.write(dir + "/f.pcap", file.bytes)
        let s = try PcapReader.summarize(path: dir + "/f.pcap")
        #expect(s.packets == 2 && s.truncated == false)
        // 0x1B000000 µs = 452.984832 s; libpcap reads the field as signed, so UInt32.max is -1 µs.
        #expect(s.firstTimestamp == PcapTimestamp(seconds: 1_700_000_452, nanoseconds: 984_832_000))
        #expect(s.lastTimestamp == PcapTimestamp(seconds: 1_699_999_999, nanoseconds: 999_999_000))
        #expect(PcapTimestamp(seconds: 10, fraction: -1) == PcapTimestamp(seconds: 9, nanoseconds: 999_999_999))
    }

    @Test("unreadable or non-pcap files are errors with libpcap's message")
    func errors() {
        let dir = TempTree.makeDirectory()
        defer { TempTree.removeTree(dir) }
        #expect(throws: PcapError.self) { try PcapReader.summarize(path: dir + "/missing.pcap") }
        TempTree.write(dir + "/text.pcap", String(repeating: "not a pcap file at all\n", count: 4))
        #expect(throws: PcapError.self) { try PcapReader.summarize(path: dir + "/text.pcap") }
    }
}
