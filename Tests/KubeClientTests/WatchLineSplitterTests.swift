import KubeClient
import NIOCore
import Testing

/// Lines out of chunks, wherever the chunk boundaries fall.
@Suite("watch line splitter")
struct WatchLineSplitterTests {
    func lines(_ chunks: [String], maxLineBytes: Int = 1 << 20) throws -> [String] {
        var splitter = WatchLineSplitter(maxLineBytes: maxLineBytes)
        var out: [String] = []
        for chunk in chunks {
            splitter.append(ByteBuffer(string: chunk))
            while let line = try splitter.nextLine() { out.append(String(buffer: line)) }
        }
        return out
    }

    @Test func everySplitOfAStreamGivesTheSameLines() throws {
        let stream = "{\"a\":1}\n\n{\"b\":\"é中\"}\n{\"c\":3}\n"
        let bytes = Array(stream.utf8)
        for cut in 0...bytes.count {
            let first = String(decoding: bytes[..<cut], as: UTF8.self)
            let second = String(decoding: bytes[cut...], as: UTF8.self)
            // Cutting inside a multi-byte character makes two invalid halves; only whole cuts here.
            guard Array(first.utf8) + Array(second.utf8) == bytes else { continue }
            #expect(try lines([first, second]) == ["{\"a\":1}", "{\"b\":\"é中\"}", "{\"c\":3}"], "cut at \(cut)")
        }
        #expect(try lines(stream.map { String($0) }) == ["{\"a\":1}", "{\"b\":\"é中\"}", "{\"c\":3}"], "one byte a chunk")
    }

    @Test func anOverlongLineIsAnError() {
        #expect(throws: WatchLineSplitter.LineTooLong.self) { try lines([String(repeating: "x", count: 100), "y"], maxLineBytes: 50) }
    }
}
