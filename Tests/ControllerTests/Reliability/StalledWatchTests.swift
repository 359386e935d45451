import Controller
import KubeClient
import KubeSim
import Testing

extension Reliability.Serial {
    /// Issue 12, item 1: a watch stream that stays open and sends nothing (a stuck proxy). Only the
    /// idle deadline can notice; the controller abandons the stream and resumes from its
    /// resourceVersion, and the change the stuck stream withheld is applied.
    @Suite("fault matrix: stalled watch stream", .serialized)
    struct StalledWatchTests {
        @Test("a silent stream is abandoned after the idle deadline; the withheld change is applied",
              .enabled(if: FaultRig.unsupported == nil))
        func stalled() async throws {
            try await FaultRig.with(pods: 2, configure: { configuration, _ in
                configuration.watch.idleTimeout = .seconds(2)
            }) { rig in
                let sim = try rig.sim
                let before = try await rig.converged(on: ["p0", "p1"], "both captures running")
                let kept = rig.files(of: "p0")
                let reconnects = try await rig.counter(PodcapMetricNames.watchReconnects)
                let watches = sim.requests().filter(\.isWatch).count
                sim.injectWatchFault(.stallAfter(events: 0))
                sim.dropOpenWatches()
                // The stalled watch is the next one opened; the change goes out while it is silent.
                try await rig.cluster.eventually("the stalled watch opened") { sim.requests().filter(\.isWatch).count > watches }
                let changed = ContinuousClock.now
                try await rig.annotate(1, nil)

                let after = try await rig.converged(on: ["p0"], timeout: .seconds(10), "p1 stopped after the stall was detected")
                let took = ContinuousClock.now - changed
                #expect(took < .seconds(6), "idle deadline 2 s, checked every 0.5 s: \(took)")
                #expect(after["p0"] == before["p0"])
                #expect(rig.files(of: "p0").isSuperset(of: kept))
                #expect(rig.logs.messages(containing: "watch stalled; resuming").count == 1)
                #expect(try await rig.counter(PodcapMetricNames.watchReconnects) >= reconnects + 2, "the drop and the stall")
                #expect(try await rig.counter(PodcapMetricNames.watchRelists) == 0)
            }
        }
    }
}
