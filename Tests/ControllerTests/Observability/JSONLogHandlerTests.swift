@testable import Controller
import Foundation
import Logging
import Testing

@Suite("JSON log lines")
struct JSONLogHandlerTests {
    private func object(_ line: String) throws -> [String: Any] {
        #expect(line.hasSuffix("\n"))
        #expect(line.dropLast().contains("\n") == false, "one line per entry")
        let parsed = try JSONSerialization.jsonObject(with: Data(line.utf8))
        return try #require(parsed as? [String: Any])
    }

    @Test func writesTheFixedFieldsAndFlattensMetadata() throws {
        let lines = LineCollector()
        var logger = Logger(label: "podcap.test") { label in
            JSONLogHandler(label: label, metadataProvider: nil, sink: lines.append)
        }
        logger[metadataKey: "node"] = "kind-worker"
        logger.info("hello", metadata: ["namespace": "ns", "nested": ["a": "1"], "list": ["x", "y"], "message": "clash"])
        logger.debug("below the level, not written")

        #expect(lines.lines.count == 1)
        let json = try object(try #require(lines.lines.first))
        #expect(json["level"] as? String == "info")
        #expect(json["label"] as? String == "podcap.test")
        #expect(json["message"] as? String == "hello")
        #expect(json["node"] as? String == "kind-worker")
        #expect(json["namespace"] as? String == "ns")
        #expect((json["nested"] as? [String: Any])?["a"] as? String == "1")
        #expect(json["list"] as? [String] == ["x", "y"])
        #expect(json["metadata.message"] as? String == "clash")
        let time = try #require(json["time"] as? String)
        #expect(time.wholeMatch(of: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/) != nil, "\(time)")
    }

    @Test func escapesEverythingJSONRequires() throws {
        let tricky = "quote \" backslash \\ newline \n tab \t cr \r bell \u{07} del \u{7F} nul \u{0} é 🐟 \u{2028}"
        let bytes = JSONLogHandler.line(time: "t", level: .warning, label: "l", message: tricky, error: nil,
                                        metadata: ["k\"ey": .string(tricky)])
        let line = String(decoding: bytes, as: UTF8.self)
        let json = try object(line)
        #expect(json["message"] as? String == tricky)
        #expect(json["k\"ey"] as? String == tricky)
    }

    @Test func includesTheError() throws {
        struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }
        let bytes = JSONLogHandler.line(time: "t", level: .error, label: "l", message: "m", error: Boom(), metadata: [:])
        #expect(try object(String(decoding: bytes, as: UTF8.self))["error"] as? String == "boom")
    }

    @Test func formatsTimestampsAsRFC3339InUTC() {
        #expect(LogTimestamp.format(seconds: 0, milliseconds: 5) == "1970-01-01T00:00:00.005Z")
        #expect(LogTimestamp.format(seconds: 1_700_000_000, milliseconds: 999) == "2023-11-14T22:13:20.999Z")
        #expect(LogTimestamp.format(seconds: 951_782_400, milliseconds: 0) == "2000-02-29T00:00:00.000Z")
    }
}
