@testable import Actors
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
            "tcpdump", "-i", "eth0", "-Z", "root", "-U", "-C", "1", "-W", String(n), "-w", "/capture/capture-web-1.pcap",
        ])
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
