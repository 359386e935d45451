@testable import Actors
import CaptureOptions
import Testing

/// The hostile values `CaptureOptionsTests` and `CaptureRequestTests` leave out, for every
/// option and the file count: a megabyte of value, NUL and other control bytes, Unicode that
/// looks like ASCII (full-width digits, Cyrillic letters), bidirectional overrides, signs and
/// radix prefixes. Each is rejected with one short printable line that names the annotation;
/// nothing is truncated into something valid.
@Suite("hostile input: annotation values")
struct HostileAnnotationTests {
    static let megabyte = String(repeating: "9", count: 1 << 20)

    /// (annotation, value); `captureAnnotation` is the file count itself.
    static let values: [(String, String)] = [
        (captureAnnotation, megabyte), (captureAnnotation, "3\u{0}"), (captureAnnotation, "\u{0}3"), (captureAnnotation, "٣"),
        (captureAnnotation, "3\u{202E}"), (captureAnnotation, "0b11"), (captureAnnotation, "3,0"), (captureAnnotation, "3e0"),
        (OptionAnnotation.snaplen.rawValue, megabyte), (OptionAnnotation.snaplen.rawValue, "96\u{0}"),
        (OptionAnnotation.snaplen.rawValue, "９６"), (OptionAnnotation.snaplen.rawValue, "+96"), (OptionAnnotation.snaplen.rawValue, "0x60"),
        (OptionAnnotation.packets.rawValue, megabyte), (OptionAnnotation.packets.rawValue, "10\u{0}"),
        (OptionAnnotation.packets.rawValue, "-1"), (OptionAnnotation.packets.rawValue, "１０"), (OptionAnnotation.packets.rawValue, "10 "),
        (OptionAnnotation.interface.rawValue, String(repeating: "e", count: 1 << 20)), (OptionAnnotation.interface.rawValue, "eth0\u{0}"),
        (OptionAnnotation.interface.rawValue, "еth0"), (OptionAnnotation.interface.rawValue, "eth0\u{202E}"),
        (OptionAnnotation.interface.rawValue, "eth\t0"), (OptionAnnotation.interface.rawValue, "."),
        (OptionAnnotation.duration.rawValue, megabyte + "s"), (OptionAnnotation.duration.rawValue, "30s\u{0}"),
        (OptionAnnotation.duration.rawValue, "３０s"), (OptionAnnotation.duration.rawValue, "+30s"),
        (OptionAnnotation.duration.rawValue, "30S"), (OptionAnnotation.duration.rawValue, "9999999999999999999h"),
        (OptionAnnotation.stopOn.rawValue, String(repeating: "container-restart", count: 60_000)),
        (OptionAnnotation.stopOn.rawValue, "container-restart\u{0}"), (OptionAnnotation.stopOn.rawValue, "container‐restart"),
        (OptionAnnotation.stopOn.rawValue, " container-restart"),
        (OptionAnnotation.filter.rawValue, "tcp\u{202E}"), (OptionAnnotation.filter.rawValue, "tcp port ８０"),
        (OptionAnnotation.filter.rawValue, "\u{FEFF}tcp"), (OptionAnnotation.filter.rawValue, "tcp\u{7F}"),
        (OptionAnnotation.filter.rawValue, "—w /etc/passwd"),
        ("tcpdump.antrea.io/" + String(repeating: "k", count: 1 << 20), "1"), ("tcpdump.antrea.io/filter\u{0}", "tcp"),
    ]

    @Test("rejected with one short printable line naming the annotation", arguments: values.indices)
    func rejected(_ index: Int) {
        let (key, value) = Self.values[index]
        var annotations = [captureAnnotation: "3"]
        annotations[key] = value
        let request = CaptureRequest.parse(annotations: annotations, maxFiles: 10, limits: OptionLimits(maxDuration: .seconds(86_400)))
        guard case .rejected(let rejection) = request else {
            Issue.record("\(key.prefix(40)) = \(value.prefix(40).debugDescription): accepted as \(request)")
            return
        }
        let message = rejection.description
        #expect(message.utf8.count < 400, "short: \(message.utf8.count) bytes")
        #expect(message.unicodeScalars.allSatisfy { $0.value >= 0x20 && $0.value != 0x7F && !(0x202A...0x202E).contains($0.value) },
                "printable, no control or bidirectional characters: \(message.debugDescription)")
        #expect(message.contains(String(key.prefix(24))), "names the annotation: \(message)")
    }

    /// Valid, but deep: libpcap's parser has a stack of its own; it must answer, not crash.
    @Test("a filter nested 2,000 deep compiles or is rejected, without crashing")
    func deepFilter() {
        let filter = String(repeating: "(", count: 2_000) + "tcp" + String(repeating: ")", count: 2_000)
        let request = CaptureRequest.parse(annotations: [captureAnnotation: "1", OptionAnnotation.filter.rawValue: filter], maxFiles: 10)
        switch request {
        case .capture(let spec): #expect(spec.options.filter == filter)
        case .rejected(let rejection): #expect(rejection.description.contains(OptionAnnotation.filter.rawValue))
        case .none: Issue.record("no request")
        }
    }

    @Test("the table covers the file count and every option")
    func coverage() {
        let keys = Set(Self.values.map(\.0))
        #expect(keys.isSuperset(of: [captureAnnotation] + OptionAnnotation.allCases.map(\.rawValue)))
        #expect(Self.values.count >= 40)
    }
}
