@testable import Actors
import Testing

@Suite("annotation parsing")
struct CaptureRequestTests {
    enum Expected: Equatable {
        case capture(Int)
        case invalid
        case tooMany
    }

    static let table: [(String, Expected)] = [
        ("1", .capture(1)),
        ("2", .capture(2)),
        ("5", .capture(5)),
        ("10", .capture(10)),
        ("99", .capture(99)),
        ("100", .capture(100)),
        ("007", .capture(7)),
        ("", .invalid),
        ("abc", .invalid),
        ("0", .invalid),
        ("00", .invalid),
        ("-1", .invalid),
        ("+5", .invalid),
        (" 5", .invalid),
        ("5 ", .invalid),
        ("5.0", .invalid),
        ("1e3", .invalid),
        ("0x10", .invalid),
        ("５", .invalid),
        ("5\n", .invalid),
        ("true", .invalid),
        ("101", .tooMany),
        ("1000", .tooMany),
        ("9223372036854775807", .tooMany),
        ("9223372036854775808", .tooMany),
        ("99999999999999999999999999", .tooMany),
    ]

    @Test("values", arguments: table)
    func parse(value: String, expected: Expected) {
        let result = CaptureRequest.parse(value: value, maxFiles: 100)
        switch (result, expected) {
        case (.capture(let spec), .capture(let m)): #expect(spec.fileCount == m)
        case (.rejected(.invalidValue(let raw, 100)), .invalid): #expect(raw == value)
        case (.rejected(.tooManyFiles(let raw, 100)), .tooMany): #expect(raw == value)
        default: Issue.record("\(value.debugDescription): got \(result), expected \(expected)")
        }
    }

    @Test func absentAnnotationIsNoRequest() {
        #expect(CaptureRequest.parse(annotations: ["other": "1"], maxFiles: 100) == CaptureRequest.none)
        #expect(CaptureRequest.parse(annotations: [captureAnnotation: "3"], maxFiles: 100) == .capture(CaptureSpec(fileCount: 3)))
    }

    @Test func messagesNameTheValueAndTheRange() {
        #expect(CaptureRejection.invalidValue("abc", maxFiles: 100).description
            == #"invalid value "abc" for tcpdump.antrea.io: expected an integer 1…100"#)
        #expect(CaptureRejection.tooManyFiles("101", maxFiles: 100).description
            == #"value "101" for tcpdump.antrea.io is over the limit: expected an integer 1…100"#)
        // Control characters are escaped so a message cannot forge log lines.
        #expect(CaptureRejection.invalidValue("5\n", maxFiles: 10).description.contains(#""5\u{a}""#))
        #expect(CaptureRejection.invalidValue("abc", maxFiles: 100).reason == "InvalidValue")
    }
}
