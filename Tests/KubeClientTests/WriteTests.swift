import Foundation
import KubeClient
import KubeSim
import TestSupport
import Testing

@Suite("Events and annotation patches against KubeSim")
struct WriteTests {
    func pod(_ json: JSONValue) throws -> Pod {
        try JSONDecoder().decode(Pod.self, from: Data(json.serialized()))
    }

    @Test func eventsAreCreatedAndAggregatedIntoSeries() async throws {
        try await withSimClient { sim, client in
            let ns = TestNames.unique("ns")
            let p = try pod(try sim.createPod(namespace: ns, name: "web", nodeName: "n"))
            let recorder = EventRecorder(client: client, options: .init(reportingInstance: "podcap-n"))
            let first = try await recorder.record(about: p, reason: "CaptureStarted", message: "capturing 5 packets")
            #expect(first.api == .eventsV1 && first.count == 1)
            try await recorder.record(about: p, reason: "CaptureStarted", message: "capturing 5 packets")
            let third = try await recorder.record(about: p, reason: "CaptureStarted", message: "capturing 5 packets")
            #expect(third.count == 3 && third.name == first.name)
            try await recorder.record(about: p, type: .warning, reason: "CaptureFailed", message: "tcpdump exited 1")
            let events = sim.events(namespace: ns)
            #expect(events.count == 2)
            let started = events.first { $0.reason == "CaptureStarted" }
            #expect(started?.count == 3 && started?.apiVersion == "events.k8s.io/v1" && started?.objectName == "web")
            #expect(events.first { $0.reason == "CaptureFailed" }?.type == "Warning")
            // Through the core/v1 view the series shows as count.
            let viaCore = try await ClusterDriver(client: client).events(namespace: ns)
            #expect(viaCore.first { $0.reason == "CaptureStarted" }?.count == 3)
        }
    }

    @Test func fallsBackToCoreV1WhenEventsGroupIsAbsent() async throws {
        try await withSimClient(KubeSim.Options(servesEventsV1: false)) { sim, client in
            let ns = TestNames.unique("ns")
            let p = try pod(try sim.createPod(namespace: ns, name: "web", nodeName: "n"))
            let recorder = EventRecorder(client: client, options: .init(reportingInstance: "podcap-n"))
            let first = try await recorder.record(about: p, reason: "CaptureStarted", message: "m")
            let second = try await recorder.record(about: p, reason: "CaptureStarted", message: "m")
            #expect(first.api == .coreV1 && second.count == 2)
            let events = sim.events(namespace: ns)
            #expect(events.count == 1 && events[0].apiVersion == "v1" && events[0].count == 2 && events[0].message == "m")
            #expect(sim.requests().filter { $0.path.hasPrefix("/apis/events.k8s.io") }.count == 1)
        }
    }

    @Test func statusAnnotationIsMergePatched() async throws {
        try await withSimClient { sim, client in
            let ns = TestNames.unique("ns")
            try sim.createPod(namespace: ns, name: "web", nodeName: "n", annotations: ["tcpdump.antrea.io": "5", "keep": "me"])
            let value = #"{"state":"Running","reason":"","files":["web-1.pcap"],"time":"2024-05-01T10:00:00Z"}"#
            let updated = try await client.patchPodAnnotation(namespace: ns, name: "web", key: "tcpdump.antrea.io/status", value: value)
            #expect(updated.metadata.annotations["tcpdump.antrea.io/status"] == value)
            #expect(sim.annotations(namespace: ns, name: "web") == ["tcpdump.antrea.io": "5", "keep": "me", "tcpdump.antrea.io/status": value])
            let patch = sim.requests().last { $0.method == "PATCH" }
            #expect(patch?.path == "/api/v1/namespaces/\(ns)/pods/web")
            try await client.patchPodAnnotation(namespace: ns, name: "web", key: "tcpdump.antrea.io/status", value: nil)
            #expect(sim.annotations(namespace: ns, name: "web") == ["tcpdump.antrea.io": "5", "keep": "me"])
            await #expect(throws: KubeAPIError.self) {
                try await client.patchPodAnnotation(namespace: ns, name: "missing", key: "k", value: "v")
            }
            do {
                try await client.patchPodAnnotation(namespace: ns, name: "missing", key: "k", value: "v")
            } catch let error as KubeAPIError {
                guard case .http(404, let status?, _) = error else { Issue.record("\(error)"); return }
                #expect(status.reason == "NotFound" && status.message == "pods \"missing\" not found")
            }
        }
    }

    @Test func awkwardValuesRoundTripAndTheResponseDecodesAsJSONDecoderWould() async throws {
        try await withSimClient { sim, client in
            let ns = TestNames.unique("ns")
            try sim.createPod(namespace: ns, name: "web", nodeName: "n", annotations: ["old": "x", "keep": "me"])
            let awkward = "quote \" backslash \\ newline \n tab \t bell \u{07} del \u{7F} é 🐟 \u{202E}"
            let updated = try await client.patchPodAnnotations(namespace: ns, name: "web",
                                                               ["tcpdump.antrea.io": "3", "a/b": awkward, "old": nil])
            #expect(sim.annotations(namespace: ns, name: "web") == ["keep": "me", "tcpdump.antrea.io": "3", "a/b": awkward])
            #expect(updated.metadata.annotations == ["keep": "me", "tcpdump.antrea.io": "3", "a/b": awkward])
            // The response decoder (the watch stream's) agrees with JSONDecoder on the same Pod.
            let read = try await client.getPod(namespace: ns, name: "web")
            let raw = try await client.send(.GET, path: "/api/v1/namespaces/\(ns)/pods/web")
            #expect(read == (try raw.decode(Pod.self)))
            #expect(try raw.decodePod() == read)
        }
    }

    @Test func unauthorizedRequestsGetStatus401() async throws {
        try await withSimClient(config: { sim in sim.clientConfig(token: "wrong") }) { _, client in
            do {
                _ = try await client.send(.GET, path: "/api/v1/pods")
                Issue.record("expected 401")
            } catch let error as KubeAPIError {
                guard case .http(401, let status?, _) = error else { Issue.record("\(error)"); return }
                #expect(status.reason == "Unauthorized")
            }
        }
    }
}
