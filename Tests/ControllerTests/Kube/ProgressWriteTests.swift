import Actors
import Controller
import KubeClient
import KubeSim
import Synchronization
import TestSupport
import Testing

/// Progress ticks write the status annotation only when what it says changed: an idle capture
/// must not PATCH its Pod every tick.
@Suite("status writes on progress")
struct ProgressWriteTests {
    @Test("identical ticks write once; new counters write again")
    func unchangedProgressIsNotWritten() async throws {
        try await TestCluster.with(.kubesim) { cluster in
            let sim = try #require(cluster.sim)
            let node = TestNames.unique("node")
            try await cluster.driver.createPod(namespace: cluster.namespace, name: "quiet", node: node)
            try await cluster.setRunning("quiet", containerID: "containerd://quiet", podIP: "10.244.0.9")
            let runtime = FixedStatisticsRuntime()
            let waiter = CaptureReportWaiter()
            var configuration = ControllerConfiguration(nodeName: node, kube: cluster.config, settings: CaptureSettings(directory: "/capture"))
            configuration.progressInterval = .milliseconds(50)
            configuration.events = false
            try await withController(configuration, runtime: runtime, waiter: waiter) {
                var mark = waiter.mark
                try await cluster.annotate("quiet", "1")
                _ = try await waiter.waitForStart(of: "quiet", since: mark)
                // At least ten ticks with the same counters: each wait is for a tick reported
                // after the one before.
                for _ in 0..<10 {
                    mark = waiter.mark
                    _ = try await waiter.next(since: mark) { r in
                        if case .progress = r.change { return r.pod.name == "quiet" }
                        return false
                    }
                }
                runtime.captured.withLock { $0 = 9 }
                // The reporter writes in order: once the status says 9, every earlier tick was handled.
                try await cluster.eventually("the status carries the new counters") {
                    (try await cluster.annotations("quiet")[CaptureNotice.statusAnnotation] ?? "").contains("9 packets captured")
                }
                let statusPatches = sim.requests().filter { request in
                    request.method == "PATCH" && request.path.hasSuffix("/pods/quiet")
                }
                // The `.started` status, the first tick's (5 packets), then the 9.
                #expect(statusPatches.count == 3, "\(statusPatches.count) status writes for 10 identical ticks and one change")
            }
        }
    }
}

/// In-memory captures whose tcpdump statistics say `captured` packets.
private final class FixedStatisticsRuntime: CaptureRuntime {
    let inner = InMemoryRuntime()
    let captured = Mutex<UInt64>(5)

    func start(_ plan: CapturePlan, target: CaptureTarget) async throws(CaptureStartError) -> any CaptureProcess {
        Process(inner: try await inner.start(plan, target: target), captured: self)
    }

    func removeFiles(of plan: CapturePlan) async -> [String] { await inner.removeFiles(of: plan) }

    struct Process: CaptureProcess {
        let inner: any CaptureProcess
        let captured: FixedStatisticsRuntime
        var pid: Int32 { inner.pid }
        var container: CaptureTarget.Container { inner.container }
        var files: [String] { inner.files }
        func waitForExit() async -> CaptureExit? { await inner.waitForExit() }
        func terminate(grace: Duration) async -> CaptureExit { await inner.terminate(grace: grace) }
        func kill() async -> CaptureExit { await inner.kill() }
        func statistics() async -> CaptureStatistics? {
            let count = captured.captured.withLock { $0 }
            return CaptureStatistics(captured: count, receivedByFilter: count, droppedByKernel: 0)
        }
    }
}
