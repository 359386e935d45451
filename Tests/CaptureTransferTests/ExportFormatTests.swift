@testable import CaptureTransfer
import Testing

@Suite("Export stream and pcap records")
struct ExportFormatTests {
    private func stream(_ files: [(String, [UInt8])]) -> [UInt8] {
        var out = ExportFormat.begin(files: files.count, approximateBytes: Int64(files.reduce(0) { $0 + $1.1.count }))
        for (name, bytes) in files { out += ExportFormat.file(name: name, bytes: bytes.count) + bytes }
        return out + ExportFormat.end
    }

    @Test(arguments: [1, 2, 7, 4096, 1 << 20])
    func parsesInChunksOfAnySize(chunk: Int) throws {
        var a = PcapBytes()
        for i in 0..<50 { a.add(seconds: UInt32(i), length: 100 + i) }
        // A payload holding the framing's own words and newlines must pass through untouched.
        let b = Array("FILE 3 x\nEND\n".utf8) + [10, 10, 0]
        let bytes = stream([("capture-web-0.pcap0", a.bytes), ("capture-web-0.pcap1", b), ("capture-web-0.pcap2", [])])
        var parser = ExportStreamParser()
        var files: [String: [UInt8]] = [:]
        var current: String?
        var begun = false
        var index = 0
        while index < bytes.count {
            let end = min(bytes.count, index + chunk)
            for event in try parser.feed(bytes[index..<end]) {
                switch event {
                case .begin(let count, _): begun = true; #expect(count == 3)
                case .fileStart(let name, _): current = name; files[name] = []
                case .data(let data): files[current!]! += data
                case .fileEnd: current = nil
                case .end: break
                }
            }
            index = end
        }
        #expect(begun && parser.isFinished)
        #expect(files["capture-web-0.pcap0"] == a.bytes)
        #expect(files["capture-web-0.pcap1"] == b)
        #expect(files["capture-web-0.pcap2"] == [])
    }

    @Test(arguments: [
        "PODCAP-EXPORT 1 1 10\nFILE 3 ../../etc/passwd\nabc",
        "PODCAP-EXPORT 1 1 10\nFILE 3 /etc/passwd\nabc",
        "PODCAP-EXPORT 1 1 10\nFILE 3 capture-a/../../x\nabc",
        "PODCAP-EXPORT 1 1 10\nFILE 3 .bashrc\nabc",
        "PODCAP-EXPORT 2 1 10\n",
        "GET / HTTP/1.1\n",
        "PODCAP-EXPORT 1 0 0\nFILE 1 capture-a.pcap\nx",
        "PODCAP-EXPORT 1 1 1\nEND\n",
        "PODCAP-EXPORT 1 0 0\nEND\nmore",
        "PODCAP-EXPORT 1 1 1\nFILE -1 capture-a.pcap\n",
    ])
    func refusesMalformedAndEscapingStreams(text: String) {
        var parser = ExportStreamParser()
        #expect(throws: ExportStreamParser.Malformed.self) { _ = try parser.feed(Array(text.utf8)[...]) }
    }

    @Test func aCutStreamIsNotFinished() throws {
        var a = PcapBytes()
        a.add(seconds: 1, length: 10)
        let bytes = stream([("capture-a.pcap", a.bytes)])
        var parser = ExportStreamParser()
        _ = try parser.feed(bytes.dropLast(5))
        #expect(!parser.isFinished)
    }

    @Test func scannerStopsAtTheLastWholeRecord() {
        var file = PcapBytes()
        file.add(seconds: 1, length: 60)
        file.add(seconds: 2, micros: 5, length: 70)
        let whole = file.bytes.count
        file.add(seconds: 3, length: 80)
        let header = PcapFileHeader(file.bytes)!
        let scanner = PcapRecordScanner(header: header)
        for cut in [whole, whole + 1, whole + 15, whole + 16, whole + 95] {
            let scan = scanner.scan(Array(file.bytes.prefix(cut)))
            #expect(scan.completeLength == whole && scan.records.count == 2 && !scan.corrupt)
        }
        #expect(scanner.scan(file.bytes).records.map(\.timestampNanoseconds) == [1_000_000_000, 2_000_005_000, 3_000_000_000])
        // A length no packet can have is corruption: nothing after it is sent.
        var bad = PcapBytes()
        bad.add(seconds: 1, length: 10)
        let good = bad.bytes.count
        for value in [UInt32(4), 0, UInt32.max, 0] { PcapFileHeader.append32(value, to: &bad.bytes) }
        let scan = scanner.scan(bad.bytes)
        #expect(scan.corrupt && scan.completeLength == good)
    }

    @Test func headerParsesBothByteOrdersAndResolutions() {
        let native = PcapFileHeader(snaplen: 96, linkType: 276)
        #expect(PcapFileHeader(native.bytes) == native)
        let swapped: [UInt8] = [0xA1, 0xB2, 0x3C, 0x4D, 0, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 0, 1]
        let parsed = PcapFileHeader(swapped)
        #expect(parsed?.swapped == true && parsed?.nanosecond == true && parsed?.snaplen == 65535 && parsed?.linkType == 1)
        #expect(PcapFileHeader(Array("not a pcap file at all!!".utf8)) == nil)
        #expect(PcapFileHeader([0xD4, 0xC3, 0xB2, 0xA1]) == nil)
        #expect(!native.canContinue(with: PcapFileHeader(snaplen: 96, linkType: 1)))
    }
}
