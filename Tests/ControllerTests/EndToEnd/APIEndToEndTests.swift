import Actors
import Controller
import Foundation
import KubeClient
import TestSupport
import Testing

/// The controller against an API server over HTTP, with in-memory processes: annotate, change,
/// reject and remove through PATCH, and see captures, Events and the status annotation follow.
@Suite("controller over the API (fake processes)")
struct APIEndToEndTests {
    @Test("annotate → change N → invalid → remove", arguments: APITier.available)
    func lifecycle(tier: APITier) async throws {
        try await TestCluster.with(tier) { cluster in
            let node = TestNames.unique("node")
            let ns = cluster.namespace
            for name in ["web", "other-node"] {
                try await cluster.driver.createPod(namespace: ns, name: name, node: name == "web" ? node : "elsewhere")
                try await cluster.setRunning(name, containerID: "containerd://\(name)", podIP: "10.244.0.9")
            }
            let runtime = InMemoryRuntime()
            let waiter = CaptureReportWaiter()
            var configuration = ControllerConfiguration(nodeName: node, kube: cluster.config,
                                                        settings: CaptureSettings(directory: "/capture"))
            configuration.listen = "127.0.0.1:0"
            let endpoint = ListeningPort()
            try await withController(configuration, runtime: runtime, waiter: waiter, endpoint: endpoint) {
                let port = await endpoint.value
                #expect(try await HTTPProbe.get(port: port, "/healthz").status == 200)
                var mark = waiter.mark
                try await cluster.annotate("other-node", "3")
                try await cluster.annotate("web", "3")
                _ = try await waiter.waitForStart(of: "web", since: mark)
                #expect(runtime.alive["web"]?.fileCount == 3)
                // The controller's own endpoint: synced, and the capture counted.
                #expect(try await HTTPProbe.get(port: port, "/readyz").status == 200)
                let metrics = try PrometheusText(try await HTTPProbe.get(port: port, "/metrics").body)
                #expect(metrics.value("podcap_captures_running") == 1)
                #expect(metrics.value("podcap_captures_started_total") == 1)
                #expect((metrics.value("podcap_capture_start_latency_seconds_count") ?? 0) >= 1)
                #expect(runtime.alive["other-node"] == nil, "a Pod of another node is never captured")
                try await cluster.eventually("CaptureStarted Event and running status") {
                    let events = try await cluster.driver.events(namespace: ns)
                    let status = try await cluster.annotations("web")[CaptureNotice.statusAnnotation] ?? ""
                    return events.contains { $0.reason == "CaptureStarted" && $0.objectName == "web" }
                        && status.contains(#""state":"capturing""#)
                }

                mark = waiter.mark
                try await cluster.annotate("web", "5")
                let stopped = try await waiter.next(since: mark) { $0.pod.name == "web" && { if case .stopped = $0.change { true } else { false } }($0) }
                guard case .stopped(.fileCountChanged, _, let deleted, _) = stopped.change else { Issue.record("\(stopped)"); return }
                #expect(deleted == ["/capture/capture-web.pcap0"])
                _ = try await waiter.waitForStart(of: "web", since: mark)
                #expect(runtime.alive["web"]?.fileCount == 5)

                mark = waiter.mark
                try await cluster.annotate("web", "abc")
                let rejected = try await waiter.next(since: mark) { r in
                    if case .rejected = r.change { return r.pod.name == "web" }
                    return false
                }
                #expect(rejected.change == .rejected(.invalidValue("abc", maxFiles: 100)))
                _ = try await waiter.waitForStop(of: "web", since: mark)
                #expect(runtime.alive["web"] == nil)
                #expect(runtime.files.isEmpty)
                try await cluster.eventually("CaptureRejected Event with the reason") {
                    try await cluster.driver.events(namespace: ns).contains {
                        $0.reason == "CaptureRejected"
                            && $0.message == #"invalid value "abc" for tcpdump.antrea.io: expected an integer 1…100"#
                    }
                }

                mark = waiter.mark
                try await cluster.annotate("web", "2")
                _ = try await waiter.waitForStart(of: "web", since: mark)
                mark = waiter.mark
                try await cluster.annotate("web", nil)
                _ = try await waiter.waitForStop(of: "web", since: mark)
                try await cluster.eventually("status annotation removed with the capture") {
                    try await cluster.annotations("web")[CaptureNotice.statusAnnotation] == nil
                }
                #expect(runtime.alive.isEmpty)
                let after = try PrometheusText(try await HTTPProbe.get(port: port, "/metrics").body)
                #expect(after.value("podcap_captures_running") == 0)
                #expect(after.value("podcap_captures_rejected_total", ["reason": "InvalidValue"]) == 1)
                #expect((after.value("podcap_captures_started_total") ?? 0) >= 3)
            }
        }
    }

    @Test("a Pod deleted while captured stops its capture and deletes its files", arguments: APITier.available)
    func podDeletion(tier: APITier) async throws {
        try await TestCluster.with(tier) { cluster in
            let node = TestNames.unique("node")
            try await cluster.driver.createPod(namespace: cluster.namespace, name: "gone", node: node, annotations: ["tcpdump.antrea.io": "2"])
            let runtime = InMemoryRuntime()
            let waiter = CaptureReportWaiter()
            var configuration = ControllerConfiguration(nodeName: node, kube: cluster.config)
            configuration.listen = "127.0.0.1:0"
            try await withController(configuration, runtime: runtime, waiter: waiter) {
                let mark = waiter.mark
                // Annotated before it runs: nothing until the kubelet reports it Running.
                try await cluster.setRunning("gone", containerID: "containerd://gone", podIP: "10.244.0.10")
                _ = try await waiter.waitForStart(of: "gone", since: mark)
                let stopMark = waiter.mark
                try await cluster.driver.deletePod(namespace: cluster.namespace, name: "gone")
                let stopped = try await waiter.next(since: stopMark) { r in
                    if case .stopped = r.change { return r.pod.name == "gone" }
                    return false
                }
                #expect({ if case .stopped(.podGone, _, let files, _) = stopped.change { files.count == 1 } else { false } }())
                #expect(runtime.files.isEmpty)
            }
        }
    }
}
