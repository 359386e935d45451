import Foundation
@testable import Actors
import Testing

/// "swift test actor simulations": the real actor core against thousands of random events.
@Suite("actor simulations")
struct SimulationTests {
    /// Seeds come from `PODCAP_SIM_SEED` when set, so a failure printed by CI can be replayed.
    static let seed: UInt64 = {
        if let text = Environment.value("PODCAP_SIM_SEED"), let seed = UInt64(text) { return seed }
        return 0x5EED_CAFE
    }()

    @Test("2,000 Pods, 50,000 random events: invariants hold after every step")
    func largeRandomRun() async throws {
        let configuration = Simulation.Configuration(slots: 2000, maxConcurrent: 16, maxFiles: 20)
        let events = SimulationEvent.generate(seed: Self.seed, slots: configuration.slots, count: 50_000, maxFiles: configuration.maxFiles)
        let started = ContinuousClock.now
        let outcome = await Simulation(configuration: configuration).run(events)
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        print("actor simulation: seed \(Self.seed), \(outcome.steps) events in \(String(format: "%.2f", seconds)) s = \(Int(Double(outcome.steps) / seconds)) events/s; \(outcome.processesStarted) processes started, at most \(outcome.maxAlive) alive; reports \(outcome.reports.sorted { $0.key < $1.key })")
        try await reportFailure(outcome, events: events, configuration: configuration)
        #expect(outcome.steps == events.count)
        #expect(outcome.maxAlive == configuration.maxConcurrent, "the run should saturate the limit at least once")
        #expect(outcome.reports["restarted", default: 0] > 0)
        #expect(outcome.reports["rejected", default: 0] > 0)
        #expect(outcome.reports["queued", default: 0] > 0)
    }

    @Test("small pool, tight limit, many seeds", arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
    func tightLimit(seed: UInt64) async throws {
        let configuration = Simulation.Configuration(slots: 40, maxConcurrent: 3, maxFiles: 12)
        let events = SimulationEvent.generate(seed: seed &* 7919, slots: configuration.slots, count: 3000, maxFiles: configuration.maxFiles)
        let outcome = await Simulation(configuration: configuration).run(events)
        try await reportFailure(outcome, events: events, configuration: configuration)
    }

    @Test("namespaced layout: Pods with one name in two namespaces both capture")
    func namespacedLayout() async throws {
        let configuration = Simulation.Configuration(slots: 200, maxConcurrent: 8, maxFiles: 12, layout: .namespaced)
        let events = SimulationEvent.generate(seed: Self.seed ^ 0xA5A5, slots: configuration.slots, count: 5000, maxFiles: configuration.maxFiles)
        let outcome = await Simulation(configuration: configuration).run(events)
        try await reportFailure(outcome, events: events, configuration: configuration)
        #expect(outcome.reports["rejected", default: 0] > 0, "invalid values are still rejected")
    }

    /// The simulation must catch a real bug and shrink it: here the fake node tolerates one
    /// process fewer than the Supervisor runs, which the limit invariant must flag.
    @Test("an injected fault is found and shrunk to a short reproduction")
    func injectedFaultIsShrunk() async throws {
        var configuration = Simulation.Configuration(slots: 40, maxConcurrent: 3, maxFiles: 12)
        configuration.offByOneLimit = true
        let events = SimulationEvent.generate(seed: 42, slots: configuration.slots, count: 2000, maxFiles: configuration.maxFiles)
        let simulation = Simulation(configuration: configuration)
        let outcome = await simulation.run(events)
        let failure = try #require(outcome.failure)
        let prefix = Array(events.prefix(failure.step))
        let minimal = await Shrinker.shrink(prefix) { await simulation.run($0).failure != nil }
        print("injected fault: failed at step \(failure.step) (\(failure.message)); shrunk to \(minimal.count) events: \(minimal)")
        #expect(await simulation.run(minimal).failure != nil)
        // Three annotations on three distinct Pods are the least that fills three slots.
        #expect(minimal.count <= 4)
    }

    private func reportFailure(_ outcome: Simulation.Outcome, events: [SimulationEvent],
                               configuration: Simulation.Configuration) async throws {
        guard let failure = outcome.failure else { return }
        let simulation = Simulation(configuration: configuration)
        let minimal = await Shrinker.shrink(Array(events.prefix(failure.step))) { await simulation.run($0).failure != nil }
        Issue.record("""
            simulation failed (seed \(Self.seed)): \(failure)
            shortest reproduction found (\(minimal.count) events): \(minimal)
            """)
    }
}

/// Reads the process environment.
enum Environment {
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        return String(cString: raw)
    }
}
