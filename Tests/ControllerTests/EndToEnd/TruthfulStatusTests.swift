import Actors
import Controller
import Foundation
import KubeClient
import KubeSim
import Logging
import ServiceLifecycle
import Synchronization
import TestSupport
import Testing

/// Issue 13, items 1 and 2: the status annotation says what is true after a restart and after
/// a graceful shutdown.
@Suite("status annotation after restart and shutdown")
struct TruthfulStatusTests {
    static let staleRunning = #"{"state":"running","reason":"Started","message":"tcpdump started (pid 4242)","time":"2026-01-01T00:00:00Z"}"#
    static let status = CaptureNotice.statusAnnotation

    /// Item 1: the annotation was removed while podcap was down; the first list clears the
    /// status it left. A Pod of another node, and a Pod still asking, are not touched by the sweep.
    @Test("first list clears a status whose annotation is gone", arguments: APITier.available)
    func staleStatusClearedAtStart(tier: APITier) async throws {
        try await TestCluster.with(tier) { cluster in
            let node = TestNames.unique("node")
            let ns = cluster.namespace
            try await cluster.driver.createPod(namespace: ns, name: "drop1", node: node, annotations: [Self.status: Self.staleRunning])
            try await cluster.driver.createPod(namespace: ns, name: "elsewhere", node: "other-node",
                                               annotations: [Self.status: Self.staleRunning])
            try await cluster.driver.createPod(namespace: ns, name: "keep1", node: node,
                                               annotations: ["tcpdump.antrea.io": "2", Self.status: Self.staleRunning])
            for name in ["drop1", "keep1"] {
                try await cluster.setRunning(name, containerID: "containerd://\(name)", podIP: "10.244.0.21")
            }
            let waiter = CaptureReportWaiter()
            var configuration = ControllerConfiguration(nodeName: node, kube: cluster.config)
            configuration.listen = "127.0.0.1:0"
            try await withController(configuration, runtime: InMemoryRuntime(), waiter: waiter) {
                try await cluster.eventually("stale status of drop1 removed") {
                    try await cluster.annotations("drop1")[Self.status] == nil
                }
                _ = try await waiter.waitForStart(of: "keep1", since: 0)
                try await cluster.eventually("keep1's status rewritten by this run") {
                    let value = try await cluster.annotations("keep1")[Self.status] ?? ""
                    return value.contains(#""state":"capturing""#) && !value.contains("pid 4242")
                }
                #expect(try await cluster.annotations("elsewhere")[Self.status] == Self.staleRunning, "another node's Pod is not ours")
            }
        }
    }

    /// Item 1 with `--no-status-annotation`: podcap writes no status, so it removes none either.
    @Test("--no-status-annotation leaves a stale status alone")
    func noStatusAnnotationMeansNoSweep() async throws {
        try await TestCluster.with(.kubesim) { cluster in
            let node = TestNames.unique("node")
            let ns = cluster.namespace
            try await cluster.driver.createPod(namespace: ns, name: "drop1", node: node, annotations: [Self.status: Self.staleRunning])
            try await cluster.driver.createPod(namespace: ns, name: "keep1", node: node, annotations: ["tcpdump.antrea.io": "1"])
            try await cluster.setRunning("keep1", containerID: "containerd://keep1", podIP: "10.244.0.22")
            let waiter = CaptureReportWaiter()
            var configuration = ControllerConfiguration(nodeName: node, kube: cluster.config, statusAnnotation: false)
            configuration.listen = "127.0.0.1:0"
            try await withController(configuration, runtime: InMemoryRuntime(), waiter: waiter) {
                _ = try await waiter.waitForStart(of: "keep1", since: 0)
                // The Event goes through the same queue after anything the first list enqueued.
                try await cluster.eventually("CaptureStarted Event of keep1") {
                    try await cluster.driver.events(namespace: ns).contains { $0.reason == "CaptureStarted" && $0.objectName == "keep1" }
                }
                #expect(try await cluster.annotations("drop1")[Self.status] == Self.staleRunning)
                #expect(try await cluster.annotations("keep1")[Self.status] == nil)
            }
        }
    }

    /// Audit: a rejected annotation that is then removed leaves no `rejected` status behind
    /// (no capture ran, so no stop report would remove it).
    @Test("a rejected annotation's status goes with the annotation", arguments: APITier.available)
    func rejectedStatusGoesWithTheAnnotation(tier: APITier) async throws {
        try await TestCluster.with(tier) { cluster in
            let node = TestNames.unique("node")
            try await cluster.driver.createPod(namespace: cluster.namespace, name: "bad", node: node)
            try await cluster.setRunning("bad", containerID: "containerd://bad", podIP: "10.244.0.23")
            let waiter = CaptureReportWaiter()
            var configuration = ControllerConfiguration(nodeName: node, kube: cluster.config)
            configuration.listen = "127.0.0.1:0"
            try await withController(configuration, runtime: InMemoryRuntime(), waiter: waiter) {
                try await cluster.annotate("bad", "abc")
                try await cluster.eventually("rejected status") {
                    try await cluster.annotations("bad")[Self.status]?.contains(#""state":"rejected""#) == true
                }
                try await cluster.annotate("bad", nil)
                try await cluster.eventually("rejected status removed with the annotation") {
                    try await cluster.annotations("bad")[Self.status] == nil
                }
            }
        }
    }

    /// Item 2: SIGTERM (graceful shutdown) right after an annotation was removed: the Event and
    /// the status removal still owed are written before podcap exits. On KubeSim the Event's
    /// POST is held until the reporter itself is being shut down, so the writes are owed at
    /// exactly that moment; on the real server the shutdown simply follows the stop at once.
    @Test("graceful shutdown writes the Event and status it still owes", arguments: APITier.available)
    func shutdownDrainsOwedWrites(tier: APITier) async throws {
        try await TestCluster.with(tier) { cluster in
            let node = TestNames.unique("node")
            let ns = cluster.namespace
            try await cluster.driver.createPod(namespace: ns, name: "ar2", node: node, annotations: ["tcpdump.antrea.io": "2"])
            try await cluster.setRunning("ar2", containerID: "containerd://ar2", podIP: "10.244.0.24")
            let waiter = CaptureReportWaiter()
            var configuration = ControllerConfiguration(nodeName: node, kube: cluster.config)
            configuration.listen = "127.0.0.1:0"
            let hold = HeldRequest()
            let probe = ShutdownProbe { message, metadata in
                // The ServiceGroup is about to tell the KubeReporter to shut down: let the held write go.
                if message == "Triggering graceful shutdown for service", "\(metadata?["sl-service"] ?? "")".contains("KubeReporter") {
                    hold.value?.release()
                }
            }
            let controller = PodcapController(configuration: configuration, runtime: InMemoryRuntime(), reporters: [waiter],
                                              logger: Logger(label: "podcap.test") { _ in probe })
            let group = ServiceGroup(configuration: .init(services: [ControllerService(controller: controller)],
                                                          logger: Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }))
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                do {
                    _ = try await waiter.waitForStart(of: "ar2", since: 0)
                    try await cluster.eventually("running status") {
                        try await cluster.annotations("ar2")[Self.status]?.contains(#""state":"capturing""#) == true
                    }
                    let held = cluster.sim?.holdRequests(method: "POST", pathContains: "/events")
                    hold.value = held
                    let mark = waiter.mark
                    try await cluster.annotate("ar2", nil)
                    _ = try await waiter.waitForStop(of: "ar2", since: mark)
                    await held?.arrived()
                    await group.triggerGracefulShutdown()
                    try await tasks.waitForAll()
                    held?.release()
                } catch {
                    hold.value?.release()
                    tasks.cancelAll()
                    throw error
                }
            }
            #expect(try await cluster.annotations("ar2")[Self.status] == nil, "the status removal was written before exit")
            #expect(try await cluster.driver.events(namespace: ns).contains { $0.reason == "CaptureStopped" && $0.objectName == "ar2" })
        }
    }
}

/// `PodcapController` as a service of an outer group, so a test can trigger its graceful
/// shutdown the way SIGTERM does.
struct ControllerService: Service {
    let controller: PodcapController
    func run() async throws { try await controller.run(signals: false) }
}

/// A log handler that hands every message (all levels) to `onLog`.
struct ShutdownProbe: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .debug
    let onLog: @Sendable (String, Logger.Metadata?) -> Void

    init(_ onLog: @escaping @Sendable (String, Logger.Metadata?) -> Void) { self.onLog = onLog }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) { onLog(event.message.description, event.metadata) }
}

/// The hold a log line releases.
final class HeldRequest: Sendable {
    private let state = Mutex<RequestHold?>(nil)
    var value: RequestHold? {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
