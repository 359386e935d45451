@testable import Actors
import CaptureOptions
import Testing

/// Every option annotation, valid and invalid, through the same parser the Supervisor uses.
@Suite("capture options")
struct CaptureOptionsTests {
    enum Expected: Sendable, CustomStringConvertible {
        /// Accepted; the options as written back (`CaptureOptions.summary`).
        case accepted(String)
        /// Rejected; the message names the annotation and contains this.
        case rejected(String)

        var description: String {
            switch self {
            case .accepted(let summary): "accepted \(summary)"
            case .rejected(let fragment): "rejected with \(fragment)"
            }
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var annotations: [String: String]
        var expected: Expected
        var testDescription: String {
            annotations.map { "\($0.key)=\(String($0.value.prefix(40)).debugDescription)" }.sorted().joined(separator: " ")
        }
    }

    static func one(_ option: OptionAnnotation, _ value: String, _ expected: Expected) -> Case {
        Case(annotations: [option.rawValue: value], expected: expected)
    }

    static let table: [Case] = [
        // filter: compiled by libpcap for the interface's link type
        one(.filter, "tcp port 80", .accepted("filter=tcp port 80")),
        one(.filter, "udp and dst port 53", .accepted("filter=udp and dst port 53")),
        one(.filter, "host 10.0.0.1 or icmp", .accepted("filter=host 10.0.0.1 or icmp")),
        one(.filter, "tcp[13] & 2 != 0", .accepted("filter=tcp[13] & 2 != 0")),
        one(.filter, "ether host 02:42:ac:11:00:02", .accepted("filter=ether host 02:42:ac:11:00:02")),
        one(.filter, "tcp prt 80", .rejected("libpcap: can't parse filter expression: syntax error")),
        one(.filter, "port 99999", .rejected("libpcap: illegal port number 99999 > 65535")),
        one(.filter, "host 300.1.1.1", .rejected("libpcap: invalid IPv4 address '300.1.1.1'")),
        one(.filter, "ip broadcast", .rejected("netmask not known")),
        one(.filter, "udp port 53 and", .rejected("syntax error")),
        one(.filter, "tcp port 80; rm -rf /", .rejected("syntax error")),
        one(.filter, "$(reboot)", .rejected("syntax error")),
        one(.filter, "-w /etc/passwd", .rejected("cannot start with \"-\"")),
        one(.filter, "  -Z root", .rejected("cannot start with \"-\"")),
        one(.filter, "", .rejected("empty expression")),
        one(.filter, "   ", .rejected("empty expression")),
        one(.filter, "tcp\nport 80", .rejected("control character 0xa at byte 3")),
        one(.filter, "tcp port 80\u{0}-w /etc/passwd", .rejected("control character 0x0 at byte 11")),
        one(.filter, String(repeating: "tcp or ", count: 14_286) + "udp", .rejected("at most 4096 bytes")),
        Case(annotations: [OptionAnnotation.filter.rawValue: "ether host 02:42:ac:11:00:02", OptionAnnotation.interface.rawValue: "any"],
             expected: .rejected("ethernet addresses supported only on")),
        // snaplen
        one(.snaplen, "96", .accepted("snaplen=96")),
        one(.snaplen, "262144", .accepted("snaplen=262144")),
        one(.snaplen, "0", .rejected("expected an integer 1…262144")),
        one(.snaplen, "262145", .rejected("expected an integer 1…262144")),
        one(.snaplen, "-5", .rejected("expected an integer 1…262144")),
        one(.snaplen, " 96", .rejected("expected an integer 1…262144")),
        one(.snaplen, "1e3", .rejected("expected an integer 1…262144")),
        one(.snaplen, "99999999999999999999", .rejected("expected an integer 1…262144")),
        // interface: the syntax here; existence in the Pod's namespace at start
        one(.interface, "eth0", .accepted("interface=eth0")),
        one(.interface, "net1", .accepted("interface=net1")),
        one(.interface, "any", .accepted("interface=any")),
        one(.interface, "lo", .accepted("interface=lo")),
        one(.interface, "eth0/../../etc", .rejected("no \"/\"")),
        one(.interface, "-w", .rejected("not starting with \"-\"")),
        one(.interface, "averyveryverylongname", .rejected("1–15 characters")),
        one(.interface, "eth 0", .rejected("no \"/\", \":\" or spaces")),
        one(.interface, "eth0:1", .rejected("no \"/\", \":\" or spaces")),
        one(.interface, "", .rejected("1–15 characters")),
        one(.interface, "..", .rejected("network interface name")),
        one(.interface, "eth0\n", .rejected("network interface name")),
        // duration
        one(.duration, "30s", .accepted("duration=30s")),
        one(.duration, "5m", .accepted("duration=5m")),
        one(.duration, "1h", .accepted("duration=1h")),
        one(.duration, "1h30m", .accepted("duration=1h30m")),
        one(.duration, "90s", .accepted("duration=1m30s")),
        one(.duration, "24h", .accepted("duration=24h")),
        one(.duration, "0s", .rejected("expected 1s…24h")),
        one(.duration, "25h", .rejected("expected 1s…24h (--max-duration)")),
        one(.duration, "30", .rejected("expected whole hours, minutes and seconds")),
        one(.duration, "1.5m", .rejected("expected whole hours, minutes and seconds")),
        one(.duration, "1d", .rejected("expected whole hours, minutes and seconds")),
        one(.duration, "-5s", .rejected("expected whole hours, minutes and seconds")),
        one(.duration, "30m1h", .rejected("expected whole hours, minutes and seconds")),
        one(.duration, "s", .rejected("expected whole hours, minutes and seconds")),
        one(.duration, "500ms", .rejected("expected whole hours, minutes and seconds")),
        // packets
        one(.packets, "1", .accepted("packets=1")),
        one(.packets, "1000", .accepted("packets=1000")),
        one(.packets, "2147483647", .accepted("packets=2147483647")),
        one(.packets, "0", .rejected("expected an integer 1…2147483647")),
        one(.packets, "2147483648", .rejected("expected an integer 1…2147483647")),
        one(.packets, "ten", .rejected("expected an integer 1…2147483647")),
        // stop-on
        one(.stopOn, "container-restart", .accepted("stop-on=container-restart")),
        one(.stopOn, "crash", .rejected("expected \"container-restart\"")),
        one(.stopOn, "Container-Restart", .rejected("expected \"container-restart\"")),
        one(.stopOn, "", .rejected("expected \"container-restart\"")),
        // keys
        Case(annotations: ["tcpdump.antrea.io/filer": "tcp"], expected: .rejected("unknown annotation \"tcpdump.antrea.io/filer\"")),
        Case(annotations: ["tcpdump.antrea.io/": "x"], expected: .rejected("unknown annotation")),
        Case(annotations: ["tcpdump.antrea.io/status": "{not json", "other.io/filter": "garbage"], expected: .accepted("")),
        Case(annotations: [OptionAnnotation.filter.rawValue: "udp", OptionAnnotation.snaplen.rawValue: "128",
                           OptionAnnotation.duration.rawValue: "10m", OptionAnnotation.packets.rawValue: "500",
                           OptionAnnotation.interface.rawValue: "eth0", OptionAnnotation.stopOn.rawValue: "container-restart"],
             expected: .accepted("filter=udp snaplen=128 interface=eth0 duration=10m packets=500 stop-on=container-restart")),
    ]

    @Test("option values", arguments: table)
    func option(_ entry: Case) {
        var annotations = entry.annotations
        annotations[captureAnnotation] = "3"
        let request = CaptureRequest.parse(annotations: annotations, maxFiles: 10, limits: OptionLimits(maxDuration: .seconds(86_400)))
        switch (request, entry.expected) {
        case (.capture(let spec), .accepted(let summary)):
            #expect(spec.fileCount == 3)
            let written = spec.options.summary.map { "\($0.annotation.shortName)=\($0.value)" }
            #expect(written.joined(separator: " ") == summary)
        case (.rejected(let rejection), .rejected(let fragment)):
            #expect(rejection.description.contains(fragment), "\(rejection.description)")
            guard case .invalidOption(let option) = rejection else {
                Issue.record("not an option rejection: \(rejection)")
                return
            }
            // The message names the annotation (and, for a known one, its value, quoted).
            #expect(entry.annotations.keys.contains(option.annotation))
            #expect(rejection.description.contains(option.annotation))
            #expect(rejection.reason == (option.known ? "InvalidOption" : "UnknownOption"))
        default:
            Issue.record("got \(request), expected \(entry.expected)")
        }
    }

    @Test func messagesStayShortAndPrintable() {
        let huge = String(repeating: "x", count: 100_000)
        guard case .rejected(let rejection) = CaptureRequest.parse(
            annotations: [captureAnnotation: "1", OptionAnnotation.filter.rawValue: huge + "\n"], maxFiles: 10) else {
            Issue.record("accepted")
            return
        }
        #expect(rejection.description.utf8.count < 300)
        #expect(!rejection.description.contains("\n"))
    }

    @Test func invalidFileCountWinsOverOptions() {
        let request = CaptureRequest.parse(annotations: [captureAnnotation: "0", OptionAnnotation.snaplen.rawValue: "x"], maxFiles: 10)
        guard case .rejected(.invalidValue) = request else {
            Issue.record("\(request)")
            return
        }
    }

    @Test func argvPutsTheFilterLastAfterDoubleDash() {
        let options = CaptureOptions(filter: "tcp port 80", snaplen: 96, interface: "net1", packets: 10)
        let plan = CapturePlan(pod: PodRef(namespace: "ns", name: "web", uid: "u"), fileCount: 3, settings: CaptureSettings(),
                               options: options)
        let argv = plan.argv(pid: 42)
        #expect(argv.suffix(2) == ["--", "tcp port 80"])
        #expect(argv.contains("-s") && argv[argv.firstIndex(of: "-s")! + 1] == "96")
        #expect(argv[argv.firstIndex(of: "-i")! + 1] == "net1")
        #expect(argv[argv.firstIndex(of: "-c")! + 1] == "10")
        #expect(plan.argv(pid: 42, packets: 4)[argv.firstIndex(of: "-c")! + 1] == "4")
        // Without options the command is what it always was.
        let plain = CapturePlan(pod: plan.pod, fileCount: 3, settings: CaptureSettings()).argv(pid: 42)
        #expect(!plain.contains("--") || plain.firstIndex(of: "--") == 4)
        #expect(plain.last == "/capture/capture-web.pcap")
    }

    @Test func specKeyChangesWithEveryOption() {
        let base = CaptureSpec(fileCount: 3)
        var keys: Set<String> = [base.key, CaptureSpec(fileCount: 4).key]
        for options in [CaptureOptions(filter: "tcp"), CaptureOptions(snaplen: 96), CaptureOptions(interface: "lo"),
                        CaptureOptions(duration: .seconds(30)), CaptureOptions(packets: 5), CaptureOptions(stopOn: .containerRestart)] {
            keys.insert(CaptureSpec(fileCount: 3, options: options).key)
        }
        #expect(keys.count == 8)
        #expect(base.key == CaptureSpec(fileCount: 3).key)
        #expect(base.key.utf8.count == 16)
    }

    @Test func completionMarkerRoundTrip() {
        let key = CaptureSpec(fileCount: 2, options: CaptureOptions(stopOn: .containerRestart)).key
        let status = #"{"state":"completed","reason":"ContainerRestarted","message":"m \"request\":\"zz\"","request":""# + key + #"","time":"t"}"#
        #expect(CompletionMarker.key(inStatus: status) == key)
        #expect(CompletionMarker.key(inStatus: #"{"state":"capturing","request":""# + key + #""}"#) == nil)
        #expect(CompletionMarker.key(inStatus: "garbage") == nil)
    }
}
