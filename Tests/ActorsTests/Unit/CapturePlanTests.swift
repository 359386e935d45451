@testable import Actors
import CaptureOptions
import Testing

@Suite("tcpdump argv and file names")
struct CapturePlanTests {
    static let pod = PodRef(namespace: "default", name: "web-1", uid: "u1")

    static func plan(_ n: Int, layout: FileLayout = .flat) -> CapturePlan {
        CapturePlan(pod: pod, fileCount: n, settings: CaptureSettings(directory: "/capture", fileSizeMB: 1, maxFiles: 1000, layout: layout))
    }

    @Test("argv", arguments: [1, 2, 10, 11, 100, 101, 1000])
    func argv(n: Int) {
        #expect(Self.plan(n).argv(pid: 4242) == [
            "nsenter", "--target", "4242", "--net", "--",
            "tcpdump", "-i", "eth0", "-Z", "root", "-U", "-B", "16384", "-C", "1", "-W", String(n),
            "-w", "/capture/capture-web-1.pcap",
        ])
    }

    @Test("--immediate-mode only when the settings ask for it, before -B")
    func argvImmediate() {
        var settings = CaptureSettings(directory: "/capture")
        settings.immediateMode = true
        let argv = CapturePlan(pod: Self.pod, fileCount: 2, settings: settings).argv(pid: 1)
        #expect(Array(argv[5...12]) == ["tcpdump", "-i", "eth0", "-Z", "root", "-U", "--immediate-mode", "-B"])
        #expect(!Self.plan(2).argv(pid: 1).contains("--immediate-mode"))
        var options = CaptureOptions()
        options.stopOn = .containerRestart
        let frozen = CapturePlan(pod: Self.pod, fileCount: 2, settings: CaptureSettings(directory: "/capture"), options: options)
        #expect(frozen.argv(pid: 1).contains("--immediate-mode"), "stop-on cuts off at the crash, not a block later")
    }

    @Test("a restarted run writes a smaller ring: -W is the ring size, the -w base is the same")
    func argvRingSize() {
        let argv = Self.plan(5).argv(pid: 7, ringSize: 3)
        #expect(argv[argv.firstIndex(of: "-W")! + 1] == "3")
        #expect(argv.last == "/capture/capture-web-1.pcap")
        #expect(Self.plan(5).ringPaths(ringSize: 3) == ["/capture/capture-web-1.pcap0", "/capture/capture-web-1.pcap1", "/capture/capture-web-1.pcap2"])
        #expect(Self.plan(5).ringPaths(ringSize: 1) == ["/capture/capture-web-1.pcap"])
    }

    /// Every ring size 1…N names its files in one of these ways; nothing else is ours.
    @Test("ring suffixes owned by a capture of N files", arguments: [
        (5, "", true), (5, "0", true), (5, "4", true), (5, "5", false), (5, "00", false), (5, "x", false),
        (1, "", true), (1, "0", false),
        (11, "9", true), (11, "10", true), (11, "00", true), (11, "11", false), (11, "010", false),
        (12, "11", true), (100, "99", true), (100, "100", false), (101, "100", true), (101, "000", true),
        (1000, "999", true), (1000, "0999", false), (3, "-1", false), (3, "+1", false), (3, " 1", false),
    ])
    func ownsRingSuffix(n: Int, suffix: String, owned: Bool) {
        #expect(Self.plan(n).ownsRingSuffix(suffix) == owned)
        // Exactly the names some `-W k`, k ≤ N, produces.
        let produced = (1...n).contains { k in CapturePlan.fileNames(base: "b", count: k).contains("b" + suffix) }
        #expect(produced == owned)
    }

    /// tcpdump 4.99 pads the index to the digits of N-1 (none at all for N = 1).
    @Test("file names", arguments: [
        (1, "capture-web-1.pcap", "capture-web-1.pcap"),
        (2, "capture-web-1.pcap0", "capture-web-1.pcap1"),
        (10, "capture-web-1.pcap0", "capture-web-1.pcap9"),
        (11, "capture-web-1.pcap00", "capture-web-1.pcap10"),
        (100, "capture-web-1.pcap00", "capture-web-1.pcap99"),
        (101, "capture-web-1.pcap000", "capture-web-1.pcap100"),
        (1000, "capture-web-1.pcap000", "capture-web-1.pcap999"),
    ])
    func fileNames(n: Int, first: String, last: String) {
        let names = Self.plan(n).fileNames
        #expect(names.count == n)
        #expect(names.first == first)
        #expect(names.last == last)
        #expect(Set(names).count == n)
        #expect(Self.plan(n).filePaths.allSatisfy { $0.hasPrefix("/capture/capture-web-1.pcap") })
    }

    @Test func namesOfOnePodNeverCoverAnother() {
        let a = CapturePlan(pod: PodRef(namespace: "d", name: "a", uid: "1"), fileCount: 20, settings: CaptureSettings())
        let b = CapturePlan(pod: PodRef(namespace: "d", name: "a.pcap1", uid: "2"), fileCount: 20, settings: CaptureSettings())
        #expect(Set(a.filePaths).isDisjoint(with: b.filePaths))
    }

    @Test func namespacedLayoutSeparatesNamespaces() {
        let settings = CaptureSettings(layout: .namespaced)
        #expect(settings.baseName(for: PodRef(namespace: "team-a", name: "web", uid: "1")) == "capture-team-a_web.pcap")
        #expect(settings.baseName(for: PodRef(namespace: "team-b", name: "web", uid: "2")) == "capture-team-b_web.pcap")
        #expect(Self.plan(3, layout: .namespaced).writePath == "/capture/capture-default_web-1.pcap")
    }

    @Test func diskBytesFollowTcpdumpsMegabyte() {
        #expect(Self.plan(5).maxBytes == 5_000_000)
    }
}
