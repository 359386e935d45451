@testable import Actors
import KubeModel
import Synchronization

/// Drives the real `PodWatcher`, `Supervisor` and `CaptureActor`s against fake processes and
/// a manual clock on a deterministic single-threaded executor, checking invariants after
/// every step at an exact quiescence point.
struct Simulation {
    struct Configuration {
        var slots = 2000
        var maxConcurrent = 16
        var maxFiles = 20
        var layout: FileLayout = .flat
        /// Fault injection for testing the simulation itself: the fake node allows one
        /// process fewer than the Supervisor's limit, so reaching the limit is a "bug".
        var offByOneLimit = false
    }

    struct Failure: Error, CustomStringConvertible {
        var step: Int
        var event: SimulationEvent?
        var message: String
        var description: String { "step \(step) (\(event.map(String.init(describing:)) ?? "end")): \(message)" }
    }

    struct Outcome {
        var failure: Failure?
        var steps: Int
        var processesStarted: Int
        var maxAlive: Int
        var reports: [String: Int]
    }

    let configuration: Configuration
    static let node = "node-a"

    /// Runs `events`; stops at the first invariant violation.
    func run(_ events: [SimulationEvent]) async -> Outcome {
        let executor = SimulationExecutor()
        executor.start()
        defer { executor.stop() }
        return await withTaskExecutorPreference(executor) {
            await runOnExecutor(events, executor: executor)
        }
    }

    private func runOnExecutor(_ events: [SimulationEvent], executor: SimulationExecutor) async -> Outcome {
        let fake = FakeNode(limit: configuration.offByOneLimit ? configuration.maxConcurrent - 1 : configuration.maxConcurrent)
        let clock = ManualClock()
        let reporter = RecordingReporter(keep: false)
        let source = ScriptedPodSource()
        let watcher = PodWatcher(source: source, bufferSize: 8)
        let settings = CaptureSettings(directory: "/capture", fileSizeMB: 1, maxFiles: configuration.maxFiles, layout: configuration.layout)
        let supervisor = Supervisor(
            configuration: .init(maxConcurrent: configuration.maxConcurrent, nodeName: Self.node, settings: settings,
                                 diskBudgetMB: nil, grace: .seconds(5),
                                 backoff: RestartBackoff(initial: .seconds(1), cap: .seconds(30), healthyAfter: .seconds(60))),
            events: watcher, runtime: fake, reporter: reporter, clock: clock)
        var model = SimulationModel(slots: configuration.slots, node: Self.node, settings: settings)

        return await withTaskGroup(of: Void.self) { group in
            group.addTask { try? await watcher.run() }
            group.addTask { try? await supervisor.run() }
            await source.send(.resynced([]))
            await executor.idle()

            var failure: Failure?
            var previousQueue: [String] = []
            var step = 0
            for event in events {
                step += 1
                let touched = await apply(event, model: &model, source: source, fake: fake, clock: clock)
                await executor.idle()
                if let message = await check(model: model, supervisor: supervisor, fake: fake,
                                             previousQueue: &previousQueue, touched: touched) {
                    failure = Failure(step: step, event: event, message: message)
                    break
                }
                if step % 512 == 0 { fake.pruneExited() }
            }
            if failure == nil {
                // Quiet period: every backoff expires, so every capture that holds a slot runs.
                clock.advance(by: .seconds(3600))
                await executor.idle()
                let active = await supervisor.activeUIDs
                let alive = fake.aliveByUID
                if let idle = active.first(where: { alive[$0] == nil }) {
                    failure = Failure(step: step, event: nil, message: "capture \(idle) holds a slot but runs no process after the quiet period")
                }
            }
            group.cancelAll()
            await group.waitForAll()
            let world = fake.world.withLock { $0 }
            if failure == nil, world.alive != 0 {
                failure = Failure(step: step, event: nil, message: "\(world.alive) processes leaked after cancellation")
            }
            if failure == nil, let violation = world.violations.first {
                failure = Failure(step: step, event: nil, message: violation)
            }
            return Outcome(failure: failure, steps: step, processesStarted: world.started, maxAlive: world.maxAlive,
                           reports: reporter.counts.withLock { $0 })
        }
    }

    /// Applies one step to the model and delivers the resulting Pod events; returns the UIDs
    /// whose desired state the step may have changed.
    private func apply(_ event: SimulationEvent, model: inout SimulationModel, source: ScriptedPodSource,
                       fake: FakeNode, clock: ManualClock) async -> Set<String> {
        var touched = Set<String>()
        for delivery in model.apply(event, touched: &touched) {
            switch delivery {
            case .event(let podEvent): await source.send(podEvent)
            case .crash(let uid): fake.crash(uid: uid)
            case .failNextStart(let uid): fake.world.withLock { _ = $0.notReady.insert(uid) }
            case .advance(let duration): clock.advance(by: duration)
            }
        }
        return touched
    }

    /// The invariants; returns a description of the first one violated.
    private func check(model: SimulationModel, supervisor: Supervisor, fake: FakeNode,
                       previousQueue: inout [String], touched: Set<String>) async -> String? {
        if let violation = fake.world.withLock({ $0.violations.first }) { return violation }
        let active = Set(await supervisor.activeUIDs)
        let queued = await supervisor.queuedUIDs
        let queuedSet = Set(queued)
        if active.count > configuration.maxConcurrent { return "\(active.count) captures active, limit \(configuration.maxConcurrent)" }
        for uid in active.union(queuedSet) where model.desired[uid] == nil {
            return "capture for \(model.describe(uid)) which is not desired"
        }
        for (uid, record) in fake.aliveByUID {
            guard active.contains(uid) else { return "process for \(model.describe(uid)) outside any slot" }
            if record.plan.fileCount != model.desired[uid]?.fileCount {
                return "\(model.describe(uid)) runs with -W \(record.plan.fileCount), annotation says \(model.desired[uid].map { String($0.fileCount) } ?? "none")"
            }
        }
        if active.count < configuration.maxConcurrent, let first = queued.first {
            return "\(model.describe(first)) queued while only \(active.count) of \(configuration.maxConcurrent) slots are used"
        }
        let holders = active.union(queuedSet)
        let heldNames = Set(holders.compactMap { model.baseNames[$0] })
        for uid in model.desired.keys where !holders.contains(uid) && !heldNames.contains(model.baseNames[uid]!) {
            return "\(model.describe(uid)) is desired but neither running nor queued"
        }
        for (path, owner) in fake.world.withLock({ $0.files }) {
            guard let plan = model.desired[owner], active.contains(owner) else {
                return "file \(path) of \(model.describe(owner)) left behind"
            }
            if !plan.filePaths.contains(path) { return "file \(path) is not one of \(model.describe(owner))'s files" }
        }
        // FIFO: no capture queued earlier (and untouched since) may be overtaken by a later one.
        var earliestStillQueued = Int.max
        var latestStarted = -1
        for (index, uid) in previousQueue.enumerated() where !touched.contains(uid) {
            if queuedSet.contains(uid) { earliestStillQueued = min(earliestStillQueued, index) }
            if active.contains(uid) { latestStarted = max(latestStarted, index) }
        }
        if latestStarted > earliestStillQueued {
            return "\(model.describe(previousQueue[latestStarted])) started before \(model.describe(previousQueue[earliestStillQueued])), which was queued first"
        }
        previousQueue = queued
        return nil
    }
}

/// A `PodSource` the simulation feeds by hand.
final class ScriptedPodSource: PodSource {
    private let channel = BoundedChannel<PodEvent>(capacity: 4)

    func send(_ event: PodEvent) async { try? await channel.send(event) }

    func run(emit: @Sendable (PodEvent) async throws -> Void) async throws {
        while let event = try await channel.next() { try await emit(event) }
    }
}
