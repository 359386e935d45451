import Foundation
import KubeClient
import NIOCore
import Testing

/// Watch streams as a broken proxy or a hostile server might send them: garbage, lines cut
/// anywhere, 10 MB lines and lines over the limit. Each is an error that says what was wrong,
/// the splitter keeps working after it, and nothing crashes or buffers without bound.
@Suite("hostile input: garbage, truncated and 10 MB watch lines")
struct HostileWatchLineTests {
    static let event = #"{"type":"MODIFIED","object":{"metadata":{"name":"web","namespace":"ns","uid":"u","resourceVersion":"9","annotations":{"tcpdump.antrea.io":"3"}},"spec":{"nodeName":"n","containers":[{"name":"app"}]},"status":{"phase":"Running","containerStatuses":[{"name":"app","ready":true,"restartCount":0,"containerID":"containerd://ab","state":{"running":{}}}]}}}"#

    static func decode(_ bytes: [UInt8]) throws -> PodWatchEvent {
        try PodWatchEvent.decode(line: ByteBuffer(bytes: bytes), using: JSONDecoder())
    }

    /// Feeds `stream` in `chunk`-byte pieces; every complete line, in order.
    static func lines(_ stream: [UInt8], chunk: Int = 64 << 10, splitter: inout WatchLineSplitter) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        var offset = 0
        while offset < stream.count {
            let end = min(offset + chunk, stream.count)
            splitter.append(ByteBuffer(bytes: stream[offset..<end]))
            while let line = try splitter.nextLine() { out.append(Array(line.readableBytesView)) }
            offset = end
        }
        return out
    }

    /// A test argument whose name stays one short line.
    struct Line: Sendable, CustomTestStringConvertible {
        var text: String
        var testDescription: String { text.utf8.count > 60 ? "\(text.prefix(40).debugDescription)… (\(text.utf8.count) bytes)" : text.debugDescription }
    }

    @Test("garbage lines are errors naming the problem", arguments: [
        "not json at all", "{", "}", "]", "{\"type\":", "\u{0}\u{0}\u{0}", "{\"type\":\"ADDED\",\"object\":{garbage",
        String(repeating: "[", count: 100_000), String(repeating: "{\"a\":", count: 50_000),
        "{\"type\":\"ADDED\",\"object\":{\"metadata\":{\"name\":\"x\",\"uid\":\"u\"}}}{\"type\":\"ADDED\"}",
        "{\"type\":\"ADDED\",\"object\":" + String(repeating: "1", count: 400) + "}",
    ].map(Line.init))
    func garbage(_ line: Line) {
        do {
            _ = try Self.decode(Array(line.text.utf8))
            Issue.record("decoded \(line.testDescription)")
        } catch {
            #expect(!"\(error)".isEmpty)
        }
    }

    @Test("invalid UTF-8 and random bytes are errors")
    func randomBytes() {
        var state: UInt64 = 0x5EED
        for round in 0..<200 {
            let bytes = (0..<(round * 7 + 1)).map { _ -> UInt8 in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: state >> 56)
            }.filter { $0 != UInt8(ascii: "\n") }
            #expect(throws: (any Error).self) { try Self.decode(bytes) }
        }
        #expect(throws: (any Error).self) { try Self.decode(Array(#"{"type":"ADDED","object":{"metadata":{"name":""#.utf8) + [0xFF, 0xFE] + Array(#""}}}"#.utf8)) }
    }

    @Test("a valid event cut at any byte is an error; the cut stream leaves the rest pending")
    func truncated() throws {
        let bytes = Array(Self.event.utf8)
        _ = try Self.decode(bytes)
        for cut in 1..<bytes.count {
            #expect(throws: (any Error).self, "cut at \(cut)") { try Self.decode(Array(bytes[..<cut])) }
        }
        var splitter = WatchLineSplitter()
        let got = try Self.lines(bytes + [UInt8(ascii: "\n")] + bytes.prefix(100), chunk: 33, splitter: &splitter)
        #expect(got == [bytes])
        #expect(splitter.pendingBytes == 100, "half an event is held as pending, not returned as a line")
    }

    @Test("a 10 MB garbage line is one decode error; the next line still decodes")
    func tenMegabyteGarbage() throws {
        let garbage = [UInt8](repeating: UInt8(ascii: "x"), count: 10_000_000)
        var splitter = WatchLineSplitter()
        let start = ContinuousClock.now
        let got = try Self.lines(garbage + [UInt8(ascii: "\n")] + Array(Self.event.utf8) + [UInt8(ascii: "\n")], splitter: &splitter)
        #expect(got.map(\.count) == [10_000_000, Self.event.utf8.count])
        #expect(throws: (any Error).self) { try Self.decode(got[0]) }
        guard case .modified(let pod) = try Self.decode(got[1]) else { Issue.record("not MODIFIED"); return }
        #expect(pod.metadata.name == "web")
        #expect(ContinuousClock.now - start < .seconds(5), "linear in the line's length")
    }

    @Test("a 10 MB valid event (a huge annotation) decodes whole")
    func tenMegabyteEvent() throws {
        let note = String(repeating: "n", count: 10_000_000)
        let line = Self.event.replacingOccurrences(of: #""tcpdump.antrea.io":"3""#, with: #""tcpdump.antrea.io":"3","note":"\#(note)""#)
        var splitter = WatchLineSplitter()
        let got = try Self.lines(Array(line.utf8) + [UInt8(ascii: "\n")], splitter: &splitter)
        #expect(got.count == 1)
        guard case .modified(let pod) = try Self.decode(got[0]) else { Issue.record("not MODIFIED"); return }
        #expect(pod.metadata.annotations["note"]?.utf8.count == 10_000_000)
        #expect(pod.metadata.annotations["tcpdump.antrea.io"] == "3")
    }

    @Test("a line over the limit fails as soon as it is over, with a message naming the limit")
    func overTheLimit() throws {
        var splitter = WatchLineSplitter()
        let chunk = [UInt8](repeating: UInt8(ascii: "y"), count: 1 << 20)
        var appended = 0
        var failure: WatchLineSplitter.LineTooLong?
        while appended < 64 << 20 {
            splitter.append(ByteBuffer(bytes: chunk))
            appended += chunk.count
            do {
                _ = try splitter.nextLine()
            } catch {
                failure = error
                break
            }
        }
        let error = try #require(failure, "a 64 MiB line was buffered")
        #expect(appended == splitter.maxLineBytes + chunk.count, "it fails at the first chunk past the limit, not later")
        #expect("\(error)".contains("\(splitter.maxLineBytes)"), "\(error)")
    }
}
