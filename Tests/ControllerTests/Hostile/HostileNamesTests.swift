import Actors
import Controller
import Foundation
import KubeClient
import TestSupport
import Testing

/// Pod names and namespaces at the API's limits (253 and 63 bytes), with dots, and names that
/// differ only after the 63rd byte, through the API server and the controller (in-memory
/// processes): too long for a file name is a clear rejection with an Event; otherwise every
/// Pod keeps its own files, reports, Events and status.
@Suite("hostile input: Pod names and namespaces at their maximum lengths")
struct HostileNamesTests {
    /// 63 bytes, unique per run (a DNS label).
    static func longNamespace() -> String {
        let unique = TestNames.unique("hostile")
        return unique + "-" + String(repeating: "n", count: 62 - unique.count)
    }

    static let longest = String(repeating: "a", count: 253)
    /// The longest name whose files for N = 3 fit in 255 bytes: `capture-` + 234 + `.pcap` + a
    /// digit + room for a six-digit segment `.NNNNNN`. Dots are legal in a Pod name.
    static let dottedFits = "dd" + String(repeating: ".d", count: 116)
    static let oneTooLong = dottedFits + "d"
    /// The same first 70 bytes.
    static let twinA = String(repeating: "t", count: 70) + "-alpha.x"
    static let twinB = String(repeating: "t", count: 70) + "-bravo.x"

    @Test("253-byte names rejected with an Event; a 234-byte dotted name captured; twins differing after byte 63 kept apart",
          arguments: APITier.available)
    func limits(tier: APITier) async throws {
        #expect(Self.longest.utf8.count == 253 && Self.dottedFits.utf8.count == 234 && Self.oneTooLong.utf8.count == 235)
        try await TestCluster.with(tier) { base in
            let ns = Self.longNamespace()
            #expect(ns.utf8.count == 63)
            try await base.driver.createNamespace(ns)
            let cluster = TestCluster(tier: base.tier, config: base.config, client: base.client, namespace: ns, sim: base.sim)
            let node = TestNames.unique("node")
            let names = [Self.longest, Self.dottedFits, Self.oneTooLong, Self.twinA, Self.twinB]
            for (index, name) in names.enumerated() {
                try await cluster.driver.createPod(namespace: ns, name: name, node: node)
                try await cluster.setRunning(name, containerID: "containerd://hostile\(index)", podIP: "10.244.0.\(index + 2)")
            }
            let runtime = InMemoryRuntime()
            let waiter = CaptureReportWaiter()
            var configuration = ControllerConfiguration(nodeName: node, kube: cluster.config, settings: CaptureSettings(directory: "/capture"))
            configuration.listen = "127.0.0.1:0"
            try await withController(configuration, runtime: runtime, waiter: waiter) {
                let mark = waiter.mark
                for name in names { try await cluster.annotate(name, "3") }

                for name in [Self.longest, Self.oneTooLong] {
                    let report = try await waiter.next(since: mark) { $0.pod.name == name }
                    guard case .rejected(.fileNameTooLong(let prefix, let bytes)) = report.change else {
                        Issue.record("\(name.prefix(20))…: \(report.change)")
                        continue
                    }
                    #expect(bytes > 255 && "capture-\(name).pcap".hasPrefix(prefix), "the message quotes the start of the name")
                    #expect(CaptureRejection.fileNameTooLong(fileName: prefix, bytes: bytes).description.contains("capture a Pod with a shorter name"))
                }
                for name in [Self.dottedFits, Self.twinA, Self.twinB] { _ = try await waiter.waitForStart(of: name, since: mark) }
                let alive = runtime.alive
                #expect(alive.keys.sorted() == [Self.dottedFits, Self.twinA, Self.twinB].sorted(), "the full names, nothing truncated")
                #expect(alive[Self.dottedFits]?.filePaths.first == "/capture/capture-\(Self.dottedFits).pcap0")
                #expect(alive[Self.dottedFits].map { $0.longestFileNameBytes } == 255)
                let filesA = try #require(alive[Self.twinA]).filePaths, filesB = try #require(alive[Self.twinB]).filePaths
                #expect(Set(filesA).isDisjoint(with: filesB))

                // Stopping one twin stops and deletes exactly its own capture.
                let stopMark = waiter.mark
                try await cluster.annotate(Self.twinA, nil)
                #expect(try await waiter.waitForStop(of: Self.twinA, since: stopMark) == [filesA[0]])
                #expect(runtime.alive[Self.twinB] != nil && runtime.files.contains(filesB[0]))
                #expect(!waiter.reports.dropFirst(stopMark).contains { $0.pod.name == Self.twinB }, "no report about the other twin")

                // Events and status annotations land on the right Pod, whatever its name's length.
                try await cluster.eventually(timeout: .seconds(20), "an Event per Pod and the twins' status apart") {
                    let events = try await cluster.driver.events(namespace: ns)
                    let reasons = { (name: String) in Set(events.filter { $0.objectName == name }.map(\.reason)) }
                    let statusB = try await cluster.annotations(Self.twinB)[CaptureNotice.statusAnnotation] ?? ""
                    let statusA = try await cluster.annotations(Self.twinA)[CaptureNotice.statusAnnotation]
                    return reasons(Self.longest).contains("CaptureRejected") && reasons(Self.oneTooLong).contains("CaptureRejected")
                        && reasons(Self.dottedFits).contains("CaptureStarted")
                        && reasons(Self.twinA).contains("CaptureStopped") && !reasons(Self.twinB).contains("CaptureStopped")
                        && statusB.contains(#""state":"capturing""#) && statusA == nil
                }
            }
        }
    }
}
