import Actors
import Foundation
import KubeModel
import Synchronization

/// `podcap-bench reconcile`: events per second through the real `Supervisor` actor (its
/// `SupervisorStateMachine`, `CaptureActor`s, task group and reporter calls) with fake
/// processes, over 10,000 Pods on the node and 200,000 Pod events.
///
/// The events are built before the clock starts and delivered by an in-memory sequence that
/// never suspends, so the figure is the Supervisor's own cost. The mix, per event: 80% status
/// churn on an unannotated Pod (new resourceVersion, no action), 12% annotation set, changed or
/// removed on one of 1,000 capture Pods (start, restart or stop), 4% Pod deleted, 4% Pod
/// re-added. `--max-concurrent` is 64, so the queue is exercised too.
enum ReconcileBench {
    static func run(pods podCount: Int = 10_000, events eventCount: Int = 200_000) async throws {
        let events = makeEvents(pods: podCount, events: eventCount)
        let runtime = FakeCaptureRuntime()
        let reporter = CountingReporter()
        let timing = EventTiming()
        let supervisor = Supervisor(
            configuration: .init(maxConcurrent: 64, nodeName: "bench-node", settings: CaptureSettings(directory: "/nonexistent"),
                                 diskBudgetMB: nil, grace: .seconds(5)),
            events: TimedEvents(events: events, timing: timing), runtime: runtime, reporter: reporter)
        try await supervisor.run()
        let handled = await supervisor.eventCount
        let seconds = Double(timing.last.load(ordering: .relaxed) - timing.first.load(ordering: .relaxed)) / 1e9
        let rate = Double(handled) / seconds
        print(String(format: "reconcile: %ld Pod events over %ld Pods in %.3f s = %.0f events/s; %ld fake tcpdumps started, %ld reports",
                     handled, podCount, seconds, rate, runtime.started, reporter.count.load(ordering: .relaxed)))
        guard handled == events.count else { throw BenchError("the Supervisor handled \(handled) of \(events.count) events") }
        BenchResults.add(BenchRow(name: "reconcile_throughput", value: rate, unit: "events/s", target: ">= 200000",
                                  pass: rate >= 200_000))
    }

    /// The initial list, then `events` changes; resourceVersions only grow, as from one watch.
    static func makeEvents(pods podCount: Int, events eventCount: Int) -> [PodEvent] {
        var generator = SystemRandomNumberGenerator()
        let captured = min(1_000, podCount)
        let annotations: [[String: String]] = [[:], [captureAnnotation: "1"], [captureAnnotation: "3"]]
        var version = 1
        func pod(_ i: Int, annotation: Int = 0) -> Pod {
            version += 1
            let id = String(repeating: String(i % 10), count: 64)
            return Pod(
                metadata: ObjectMeta(namespace: "team-\(i % 20)", name: "web-\(i)", uid: "uid-\(i)",
                                     resourceVersion: String(version), annotations: annotations[annotation],
                                     labels: ["app": "web"]),
                spec: PodSpec(nodeName: "bench-node", containers: [.init(name: "web")]),
                status: PodStatus(phase: "Running", podIP: "10.1.\(i / 250).\(i % 250)", containerStatuses: [
                    ContainerStatus(name: "web", containerID: "containerd://" + id, ready: true, started: true,
                                    state: ContainerState(running: .init(startedAt: "2026-12-01T00:00:00Z"))),
                ]))
        }
        var events: [PodEvent] = [.resynced((0..<podCount).map { pod($0) })]
        events.reserveCapacity(eventCount + 1)
        var present = [Bool](repeating: true, count: podCount)
        while events.count < eventCount + 1 {
            let roll = Int.random(in: 0..<100, using: &generator)
            if roll < 80 {
                let i = Int.random(in: captured..<podCount, using: &generator)
                events.append(present[i] ? .modified(pod(i)) : .added(pod(i)))
                present[i] = true
            } else if roll < 92 {
                let i = Int.random(in: 0..<captured, using: &generator)
                events.append(.modified(pod(i, annotation: Int.random(in: 0..<3, using: &generator))))
                present[i] = true
            } else if roll < 96 {
                let i = Int.random(in: 0..<podCount, using: &generator)
                events.append(.deleted(pod(i)))
                present[i] = false
            } else {
                let i = Int.random(in: 0..<podCount, using: &generator)
                events.append(.added(pod(i, annotation: i < captured ? 1 : 0)))
                present[i] = true
            }
        }
        return events
    }
}

/// When the Supervisor asked for its first event and when it got the end of the sequence.
final class EventTiming: Sendable {
    let first = Atomic<UInt64>(0)
    let last = Atomic<UInt64>(0)
}

/// An array as the Supervisor's event sequence; records the times of the first and the last read.
struct TimedEvents: AsyncSequence, Sendable {
    typealias Element = PodEvent
    let events: [PodEvent]
    let timing: EventTiming

    struct AsyncIterator: AsyncIteratorProtocol {
        let events: [PodEvent]
        let timing: EventTiming
        var index = 0

        mutating func next() async throws -> PodEvent? {
            if index == 0 { timing.first.store(BenchClock.nanos(), ordering: .relaxed) }
            guard index < events.count else {
                timing.last.store(BenchClock.nanos(), ordering: .relaxed)
                return nil
            }
            defer { index += 1 }
            return events[index]
        }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(events: events, timing: timing) }
}

/// Counts reports; does nothing else (the production reporters queue theirs).
final class CountingReporter: CaptureReporter {
    let count = Atomic<Int>(0)
    func report(_ report: CaptureReport) { count.add(1, ordering: .relaxed) }
}
