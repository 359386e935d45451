@testable import Actors
import KubeModel
import Synchronization
import Testing

/// The Supervisor actor with fake processes, on the deterministic executor.
@Suite("Supervisor")
struct SupervisorTests {
    struct Rig {
        let executor = SimulationExecutor()
        let fake = FakeNode(limit: 4)
        let clock = ManualClock()
        let reporter = RecordingReporter()
        let source = ScriptedPodSource()
        let supervisor: Supervisor
        let watcher: PodWatcher

        init(max: Int = 4) {
            watcher = PodWatcher(source: source, bufferSize: 4)
            supervisor = Supervisor(
                configuration: .init(maxConcurrent: max, nodeName: "node-a", settings: CaptureSettings(maxFiles: 100),
                                     diskBudgetMB: nil, grace: .seconds(5),
                                     backoff: RestartBackoff(initial: .seconds(1), cap: .seconds(8))),
                events: watcher, runtime: fake, reporter: reporter, clock: clock)
        }

        func changes(of name: String) -> [CaptureReport.Change] {
            reporter.reports.withLock { $0.filter { $0.pod.name == name }.map(\.change) }
        }
    }

    /// Runs `body` with the Supervisor running on the simulation executor, then cancels it.
    static func withRig(max: Int = 4, _ body: (Rig) async throws -> Void) async throws {
        let rig = Rig(max: max)
        rig.executor.start()
        defer { rig.executor.stop() }
        try await withTaskExecutorPreference(rig.executor) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await rig.watcher.run() }
                group.addTask { try await rig.supervisor.run() }
                await rig.source.send(.resynced([]))
                try await body(rig)
                group.cancelAll()
                try await group.waitForAll()
            }
        }
    }

    @Test func crashedProcessIsRestartedWithBackoffAndReported() async throws {
        var factory = PodFactory()
        try await Self.withRig { rig in
            await rig.source.send(.added(factory.pod("a", annotation: "3")))
            await rig.executor.idle()
            #expect(rig.fake.aliveByUID["uid-default-a"] != nil)
            rig.fake.crash(uid: "uid-default-a")
            await rig.executor.idle()
            #expect(rig.fake.aliveByUID["uid-default-a"] == nil, "restart waits for the backoff")
            rig.clock.advance(by: .seconds(1))
            await rig.executor.idle()
            #expect(rig.fake.aliveByUID["uid-default-a"] != nil)
            let changes = rig.changes(of: "a")
            #expect(changes.count == 3)
            guard changes.count == 3, case .failed(let reason, let retryIn, 1) = changes[1], case .started(_, _, _, 2) = changes[2] else {
                Issue.record("unexpected reports \(changes)")
                return
            }
            #expect(reason == "tcpdump was killed by signal 9")
            #expect(retryIn == .seconds(1))
        }
    }

    @Test func podNotFoundIsWaitingThenStarts() async throws {
        var factory = PodFactory()
        try await Self.withRig { rig in
            rig.fake.world.withLock { _ = $0.notReady.insert("uid-default-a") }
            await rig.source.send(.added(factory.pod("a", annotation: "3")))
            await rig.executor.idle()
            guard case .waiting = rig.changes(of: "a").first else { Issue.record("\(rig.changes(of: "a"))"); return }
            rig.clock.advance(by: .seconds(1))
            await rig.executor.idle()
            #expect(rig.fake.aliveByUID["uid-default-a"] != nil)
        }
    }

    @Test func annotationRemovalStopsAndDeletesExactlyItsFiles() async throws {
        var factory = PodFactory()
        try await Self.withRig { rig in
            await rig.source.send(.added(factory.pod("a", annotation: "3")))
            await rig.source.send(.added(factory.pod("a.pcap1", annotation: "3")))
            await rig.executor.idle()
            await rig.source.send(.modified(factory.pod("a")))
            await rig.executor.idle()
            let files = rig.fake.world.withLock { $0.files }
            #expect(files.keys.sorted() == ["/capture/capture-a.pcap1.pcap0", "/capture/capture-a.pcap1.pcap1"])
            guard case .stopped(.annotationRemoved, let exit, let deleted, _) = rig.changes(of: "a").last else {
                Issue.record("\(rig.changes(of: "a"))")
                return
            }
            #expect(exit?.status == .exited(0))
            #expect(deleted == ["/capture/capture-a.pcap0", "/capture/capture-a.pcap1"])
        }
    }

    /// Issue 13, item 3: a capture whose tcpdump never started reports that, not a stop.
    @Test func captureThatNeverRanIsReportedAsNeverRan() async throws {
        var factory = PodFactory()
        try await Self.withRig { rig in
            rig.fake.world.withLock { _ = $0.notReady.insert("uid-default-ghost") }
            await rig.source.send(.added(factory.pod("ghost", annotation: "2")))
            await rig.executor.idle()
            guard case .waiting = rig.changes(of: "ghost").last else { Issue.record("\(rig.changes(of: "ghost"))"); return }
            await rig.source.send(.modified(factory.pod("ghost")))
            await rig.executor.idle()
            guard case .stopped(.annotationRemoved, nil, let deleted, let ran) = rig.changes(of: "ghost").last else {
                Issue.record("\(rig.changes(of: "ghost"))")
                return
            }
            #expect(!ran && deleted.isEmpty)
            // One that ran and then crashed did run, even while it is backing off.
            await rig.source.send(.added(factory.pod("crash", annotation: "2")))
            await rig.executor.idle()
            rig.fake.crash(uid: "uid-default-crash")
            await rig.executor.idle()
            await rig.source.send(.modified(factory.pod("crash")))
            await rig.executor.idle()
            guard case .stopped(.annotationRemoved, nil, _, let crashedRan) = rig.changes(of: "crash").last else {
                Issue.record("\(rig.changes(of: "crash"))")
                return
            }
            #expect(crashedRan)
        }
    }

    @Test func gracefulShutdownKeepsFiles() async throws {
        var factory = PodFactory()
        try await Self.withRig { rig in
            await rig.source.send(.added(factory.pod("a", annotation: "2")))
            await rig.executor.idle()
            await rig.supervisor.shutdown()
            await rig.executor.idle()
            #expect(rig.fake.aliveByUID.isEmpty)
            #expect(rig.fake.world.withLock { $0.files.count } == 2)
            guard case .stopped(.shutdown, _, let deleted, _) = rig.changes(of: "a").last else { Issue.record("\(rig.changes(of: "a"))"); return }
            #expect(deleted.isEmpty)
        }
    }

    /// Cancellation is the hard stop: every process is killed at once, and run() returns
    /// well within the grace period even though the fake would honour SIGTERM.
    @Test func cancellingTheSupervisorStopsEveryProcessWithinTheGracePeriod() async throws {
        var factory = PodFactory()
        let fake = FakeNode(limit: 8)
        let source = ScriptedPodSource()
        let watcher = PodWatcher(source: source)
        let reporter = RecordingReporter()
        let grace = Duration.seconds(5)
        let supervisor = Supervisor(
            configuration: .init(maxConcurrent: 8, nodeName: "node-a", settings: CaptureSettings(), diskBudgetMB: nil, grace: grace),
            events: watcher, runtime: fake, reporter: reporter)
        let task = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask { try await watcher.run() }
                group.addTask { try await supervisor.run() }
                try await group.waitForAll()
            }
        }
        for name in ["a", "b", "c", "d", "e"] { await source.send(.added(factory.pod(name, annotation: "3"))) }
        // Wait for all five captures to report started (an event, not a sleep).
        while reporter.counts.withLock({ $0["started", default: 0] }) < 5 { await Task.yield() }
        #expect(fake.aliveByUID.count == 5)
        let started = ContinuousClock.now
        task.cancel()
        try await task.value
        #expect(ContinuousClock.now - started < grace)
        #expect(fake.world.withLock { $0.alive } == 0)
        let stops = reporter.reports.withLock { $0.compactMap { if case .stopped(let reason, _, _, _) = $0.change { reason } else { nil } } }
        #expect(stops == Array(repeating: .cancelled, count: 5))
        #expect(fake.world.withLock { $0.files.count } == 10, "cancellation keeps files for the next start")
    }
}
