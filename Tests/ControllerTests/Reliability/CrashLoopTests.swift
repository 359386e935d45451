import Actors
import Controller
import Foundation
import TestSupport
import Testing

extension Reliability.Serial {
    /// Issue 12, item 2: tcpdump killed again and again. Each death is a restart after a delay that
    /// doubles up to the cap (never a hot loop), and the Pod gets one `CaptureFailed` Event whose
    /// series count says how often, not an Event per death.
    @Suite("fault matrix: tcpdump killed again and again", .serialized)
    struct CrashLoopTests {
        static let kills = 5

        @Test("five SIGKILLs: capped backoff, one CaptureFailed Event series with count 5, one tcpdump at a time",
              .enabled(if: FaultRig.unsupported == nil), arguments: APITier.available)
        func crashLoop(tier: APITier) async throws {
            try await FaultRig.with(pods: 2, tier: tier, configure: { configuration, _ in
                configuration.backoff = RestartBackoff(initial: .milliseconds(200), cap: .milliseconds(800))
            }) { rig in
                var pids = try await rig.converged(on: ["p0", "p1"], "both captures running")
                let steady = pids["p1"]
                var delays: [Duration] = []
                for round in 1...Self.kills {
                    let mark = rig.waiter.mark
                    let victim = try #require(pids["p0"])
                    kill(victim, SIGKILL)
                    let failed = try await rig.waiter.next(since: mark) { r in
                        switch r.change {
                        case .failed, .started, .rejected, .waiting: r.pod.name == "p0"
                        default: false
                        }
                    }
                    guard case .failed(let reason, let retryIn, let attempt) = failed.change else {
                        Issue.record("kill \(round): \(failed.change)")
                        return
                    }
                    let failedAt = ContinuousClock.now
                    #expect(reason == "tcpdump was killed by signal 9")
                    #expect(attempt == round)
                    delays.append(retryIn)
                    let restarted = try await rig.waiter.next(since: mark) { r in
                        if case .started(_, _, _, round + 1) = r.change { return r.pod.name == "p0" }
                        return false
                    }
                    // The delay is waited out, not skipped (the report comes right after the death).
                    #expect(ContinuousClock.now - failedAt >= retryIn - .milliseconds(50), "restart \(round) waited \(retryIn)")
                    guard case .started(let pid, _, _, _) = restarted.change else { return }
                    pids = try await rig.converged(on: ["p0", "p1"], "p0 restarted, alone in its namespace")
                    #expect(pids["p0"] == pid)
                }
                #expect(delays == [.milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(800), .milliseconds(800)],
                        "doubling from 200 ms, capped at 800 ms")
                #expect(pids["p1"] == steady, "the other capture is untouched")
                let starts = rig.waiter.reports.filter { r in
                    if case .started = r.change { return r.pod.name == "p0" }
                    return false
                }
                #expect(starts.count == Self.kills + 1, "one start per death, no extra attempts")

                try await rig.cluster.eventually(timeout: .seconds(15), "one CaptureFailed Event with count \(Self.kills)") {
                    let failures = try await rig.cluster.driver.events(namespace: rig.cluster.namespace)
                        .filter { $0.objectName == "p0" && $0.reason == "CaptureFailed" }
                    return failures.count == 1 && failures[0].count == Self.kills
                }
                let events = try await rig.cluster.driver.events(namespace: rig.cluster.namespace).filter { $0.objectName == "p0" }
                let failed = try #require(events.first { $0.reason == "CaptureFailed" })
                #expect(failed.message == "tcpdump was killed by signal 9; restarting with backoff")
                let started = events.filter { $0.reason == "CaptureStarted" }
                #expect(started.count == 2, "the first start, and one series for the restarts: \(started.map(\.message))")
                #expect(started.map(\.count).sorted() == [1, Self.kills])
                #expect(try await rig.counter(PodcapMetricNames.captureRestarts) == Double(Self.kills))
            }
        }
    }
}
