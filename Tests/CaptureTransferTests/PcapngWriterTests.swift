import CaptureTransfer
import Glibc
import Pcap
import Testing

@Suite("pcapng merge output")
struct PcapngWriterTests {
    @Test func interfacesAndPacketsReadBackAndLibpcapReadsIt() throws {
        var writer = PcapngWriter()
        writer.addInterface(.init(name: "default/web-0", description: "pod default/web-0 on node n1", linkType: 1, snaplen: 262_144))
        writer.addInterface(.init(name: "shop/cart-7d9f", linkType: 1, snaplen: 262_144))
        var source = PcapBytes()
        source.addUDP(seconds: 100, source: [10, 0, 0, 1], payload: 1)
        source.addUDP(seconds: 101, micros: 7, source: [10, 0, 0, 2], payload: 33)
        let records = PcapRecordScanner(header: PcapFileHeader(source.bytes)!).scan(source.bytes).records
        for (i, record) in records.enumerated() {
            writer.addPacket(interface: UInt32(i % 2), timestampNanoseconds: record.timestampNanoseconds,
                             originalLength: UInt32(record.originalLength), data: source.bytes[record.dataOffset..<record.end])
        }
        let bytes = writer.drain()
        #expect(bytes.count % 4 == 0)
        let blocks = try #require(PcapngBlocks(bytes))
        #expect(blocks.interfaceNames == ["default/web-0", "shop/cart-7d9f"])
        #expect(blocks.packetsPerInterface == [1, 1])
        #expect(blocks.timestamps == [100_000_000_000, 101_000_007_000])

        let path = "/tmp/podcap-pcapng-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).pcapng"
        defer { unlink(path) }
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
        let summary = try PcapReader.summarize(path: path)
        #expect(summary.packets == 2 && !summary.truncated)
        #expect(summary.ipv4Addresses.isSuperset(of: ["10.0.0.1", "10.0.0.2"]))
        #expect(summary.firstTimestamp?.seconds == 100 && summary.lastTimestamp?.nanoseconds == 7000)
    }

    @Test func damagedSectionsAreNotRead() {
        var writer = PcapngWriter()
        writer.addInterface(.init(name: "a/b", linkType: 1, snaplen: 100))
        let bytes = writer.drain()
        #expect(PcapngBlocks(Array(bytes.dropLast(4))) == nil)
        #expect(PcapngBlocks(Array(repeating: 0, count: 64)) == nil)
    }
}
