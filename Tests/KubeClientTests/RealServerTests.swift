import Foundation
import KubeClient
import KubeSim
import TestSupport
import Testing

/// The same behaviours against a real kube-apiserver v1.20.2 (`PODCAP_ENVTEST`).
///
/// Not run here because the real server cannot be made to do them on demand: dropped connections
/// mid-stream, 429/500 with Retry-After, garbage lines, stalls, events.k8s.io being absent. The
/// bookmark test is also KubeSim-only: the real server sends one about once a minute.
@Suite("Against the real kube-apiserver", .enabled(if: Envtest.isEnabled, "PODCAP_ENVTEST not set"))
struct RealServerTests {
    @Test func listPaginatesAndWatchDeliversInOrder() async throws {
        try await withEnvtestClient { _, client in
            let driver = ClusterDriver(client: client)
            let ns = TestNames.unique("ns")
            let node = TestNames.unique("node")
            try await driver.createNamespace(ns)
            for i in 0..<5 { try await driver.createPod(namespace: ns, name: "p\(i)", node: node) }
            try await driver.createPod(namespace: ns, name: "other", node: "elsewhere")
            let status = PodWatchStatus()
            let watcher = PodListWatcher(client: client, nodeName: node, options: watcherOptions(pageSize: 2), status: status)
            let events = EventCollector()
            try await withRunningSource(watcher, into: events) {
                #expect(await events.wait { !$0.isEmpty })
                #expect(events.events[0].summary == "=[p0,p1,p2,p3,p4]")
                try await driver.createPod(namespace: ns, name: "new", node: node)
                try await driver.setRunning(namespace: ns, name: "new")
                try await client.patchPodAnnotation(namespace: ns, name: "new", key: "tcpdump.antrea.io", value: "2")
                try await driver.deletePod(namespace: ns, name: "new")
                #expect(await events.wait { $0.count >= 6 })
                #expect(events.events.dropFirst().map(\.summary) == ["+new", "~new", "~new", "~new", "-new"])
                if case .modified(let p) = events.events[2] { #expect(p.status.phase == "Running") }
            }
        }
    }

    @Test func expiredWatchRelistsAndResyncsDeletions() async throws {
        try await Envtest.withEnvtest(apiserverArgs: "--watch-cache=false") { server in
            let admin = try KubernetesClient(config: try server.kubeConfig())
            let driver = ClusterDriver(client: admin)
            let dir = try tempDir()
            try write(server.token, to: dir + "/token")
            var config = try server.kubeConfig()
            config.token = .file(path: dir + "/token")
            let client = try KubernetesClient(config: config, options: .init(tokenRecheckInterval: .zero))
            let ns = TestNames.unique("ns")
            let node = "n1"
            try await driver.createNamespace(ns)
            try await driver.createPod(namespace: ns, name: "a", node: node)
            try await driver.createPod(namespace: ns, name: "b", node: node)
            let stats = StatsWaiter()
            let status = PodWatchStatus(observer: stats)
            // Short server timeouts: the watch ends every 2 s and must reconnect, which the revoked token stops.
            let watcher = PodListWatcher(client: client, nodeName: node, options: watcherOptions(timeout: 2...2), status: status)
            let events = EventCollector()
            try await withRunningSource(watcher, into: events) {
                #expect(await events.wait { !$0.isEmpty })
                #expect(events.events[0].summary == "=[a,b]")
                try write("revoked", to: dir + "/token")
                #expect(await stats.wait { $0.failures >= 1 })
                try await driver.deletePod(namespace: ns, name: "b")
                try await driver.createPod(namespace: ns, name: "c", node: node)
                try await driver.createPod(namespace: ns, name: "unrelated", node: "n2")
                try await server.compactEtcd()
                try write(server.token, to: dir + "/token")
                #expect(await events.wait { $0.count >= 2 })
                #expect(events.events.map(\.summary) == ["=[a,b]", "=[a,c]"])
                #expect(status.stats.expired >= 1 && status.stats.relists >= 1)
            }
            try await admin.shutdown()
            try await client.shutdown()
        }
    }

    @Test func rotatedTokenFileIsPickedUp() async throws {
        try await withEnvtestClient { server, _ in
            let dir = try tempDir()
            try write("not-yet-valid", to: dir + "/token")
            var config = try server.kubeConfig()
            config.token = .file(path: dir + "/token")
            let client = try KubernetesClient(config: config, options: .init(tokenRecheckInterval: .zero))
            let stats = StatsWaiter()
            let watcher = PodListWatcher(client: client, nodeName: TestNames.unique("node"), options: watcherOptions(),
                                         status: PodWatchStatus(observer: stats))
            let events = EventCollector()
            try await withRunningSource(watcher, into: events) {
                #expect(await stats.wait { $0.failures >= 1 })
                #expect(events.events.isEmpty)
                try write(server.token + "\n", to: dir + "/token")
                #expect(await events.wait { !$0.isEmpty })
            }
            try await client.shutdown()
        }
    }

    @Test func clientCertificateAndKubeconfigWork() async throws {
        try await withEnvtestClient { server, _ in
            let dir = try tempDir()
            try makeCertificates(in: dir, caKey: server.dir + "/ca.key", caCert: server.dir + "/ca.crt")
            let kubeconfig = dir + "/kubeconfig"
            try write("""
                apiVersion: v1
                kind: Config
                current-context: c
                clusters: [{name: e, cluster: {server: "\(server.server)", certificate-authority: "\(server.caPath)"}}]
                users: [{name: u, user: {client-certificate: client.crt, client-key: client.key}}]
                contexts: [{name: c, context: {cluster: e, user: u}}]
                """, to: kubeconfig)
            let client = try KubernetesClient(config: try KubeConfig.load(kubeconfigPath: kubeconfig, environment: [:]))
            let r = try await client.send(.GET, path: "/api/v1/namespaces/default/pods")
            #expect(r.code == 200)
            try await client.shutdown()
            // Wrong CA: TLS verification must fail.
            var bad = try KubeConfig.load(kubeconfigPath: kubeconfig, environment: [:])
            bad.certificateAuthorityPEM = Array(try Data(contentsOf: URL(fileURLWithPath: ConfigTests.certs + "/ca.crt")))
            let badClient = try KubernetesClient(config: bad)
            await #expect(throws: KubeAPIError.self) { _ = try await badClient.send(.GET, path: "/api/v1/pods") }
            try await badClient.shutdown()
        }
    }

    @Test func eventsSeriesAndAnnotationPatch() async throws {
        try await withEnvtestClient { _, client in
            let driver = ClusterDriver(client: client)
            let ns = TestNames.unique("ns")
            try await driver.createNamespace(ns)
            let pod = try await driver.createPod(namespace: ns, name: "web", node: "n", annotations: ["keep": "me"])
            let recorder = EventRecorder(client: client, options: .init(reportingInstance: "podcap-n"))
            for _ in 0..<3 { try await recorder.record(about: pod, reason: "CaptureStarted", message: "capturing") }
            let first = try await recorder.record(about: pod, reason: "CaptureDone", message: "done")
            #expect(first.api == .eventsV1)
            let events = try await driver.events(namespace: ns)
            #expect(events.count == 2)
            #expect(events.first { $0.reason == "CaptureStarted" }?.count == 3)
            #expect(events.first { $0.reason == "CaptureStarted" }?.objectName == "web")

            let value = #"{"state":"Done","files":["a.pcap"]}"#
            try await client.patchPodAnnotation(namespace: ns, name: "web", key: "tcpdump.antrea.io/status", value: value)
            var read = try await client.getPod(namespace: ns, name: "web")
            #expect(read.metadata.annotations == ["keep": "me", "tcpdump.antrea.io/status": value])
            try await client.patchPodAnnotation(namespace: ns, name: "web", key: "tcpdump.antrea.io/status", value: nil)
            read = try await client.getPod(namespace: ns, name: "web")
            #expect(read.metadata.annotations == ["keep": "me"])
            do {
                try await client.patchPodAnnotation(namespace: ns, name: "missing", key: "k", value: "v")
            } catch let error as KubeAPIError {
                guard case .http(404, let status?, _) = error else { Issue.record("\(error)"); return }
                #expect(status.reason == "NotFound" && status.message == "pods \"missing\" not found")
            }
        }
    }
}
