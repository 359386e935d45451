import Actors
import CaptureServing
import CaptureTransfer
import Controller
import TestSupport
import Testing

/// What `podcap export` and `podcap follow` learn from the controller: a capture's exact files,
/// from the reports, and nothing once it stopped.
@Suite("Capture index on the HTTP endpoint")
struct CaptureIndexTests {
    typealias F = ObservabilityFixtures
    let files = ["/capture/capture-web-1.pcap0.1", "/capture/capture-web-1.pcap0", "/capture/capture-web-1.pcap1"]

    @Test func exportAsksTheControllerForExactlyTheReportedFiles() async throws {
        let captures = CaptureIndex()
        try await F.withServer(metrics: MetricsReporter(), captures: captures, isReady: { true }) { port in
            let endpoint = AgentEndpoint(listen: "127.0.0.1:\(port)")
            let request = try CaptureRequestName(parsing: "team-a/web-1")
            let ask: @Sendable (CaptureRequestName) async throws -> CaptureListing = { request in
                try await offload { try endpoint.listing(for: request) }
            }
            await #expect(throws: ServingError.notCaptured(namespace: "team-a", name: "web-1")) { try await ask(request) }

            captures.report(CaptureReport(pod: F.pod, change: .started(pid: 7, container: F.container, files: files, attempt: 2)))
            let listing = try await ask(request)
            #expect(listing.uid == F.pod.uid && listing.state == "capturing")
            #expect(listing.files == files)
            #expect(listing.ring == Array(files.dropFirst()))
            #expect(try await HTTPProbe.get(port: port, "/captures").body.contains("\"name\":\"web-1\""))

            // A stop of an earlier incarnation of the Pod leaves the new one's capture alone.
            let earlier = PodRef(namespace: F.pod.namespace, name: F.pod.name, uid: "uid-earlier")
            captures.report(CaptureReport(pod: earlier, change: .stopped(reason: .podGone, exit: nil, filesDeleted: [], ran: true)))
            #expect(try await ask(request).uid == F.pod.uid)

            captures.report(CaptureReport(pod: F.pod, change: .completed(reason: .packetCount(5), exit: nil, files: [files[1]])))
            #expect(try await ask(request).state == "completed")
            #expect(try await ask(request).files == [files[1]])

            captures.report(CaptureReport(pod: F.pod, change: .stopped(reason: .annotationRemoved, exit: nil, filesDeleted: [files[1]], ran: true)))
            await #expect(throws: ServingError.notCaptured(namespace: "team-a", name: "web-1")) { try await ask(request) }
            // Another Pod's name never reaches this one's files.
            let other = try CaptureRequestName(parsing: "team-b/web-1")
            await #expect(throws: ServingError.notCaptured(namespace: "team-b", name: "web-1")) { try await ask(other) }
        }
    }
}
