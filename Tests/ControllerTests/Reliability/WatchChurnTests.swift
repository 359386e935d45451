import Controller
import KubeClient
import KubeSim
import Testing

extension Reliability.Serial {
    /// Issue 12, item 1: a watch that keeps breaking while annotations change. KubeSim cuts the
    /// stream every two events; the real API server (envtest) closes watches after 1–2 s by their
    /// `timeoutSeconds`. Either way the controller resumes from its resourceVersion, without a relist,
    /// and the captures end up exactly the desired set, the untouched one never restarted.
    @Suite("fault matrix: watch dropped every few events", .serialized)
    struct WatchChurnTests {
        @Test("drops during a burst of changes: captures converge, nothing duplicated or lost, reconnects counted",
              .enabled(if: FaultRig.unsupported == nil), arguments: APITier.available)
        func dropsDuringBurst(tier: APITier) async throws {
            try await FaultRig.with(pods: 3, tier: tier, configure: { configuration, _ in
                // The real server's own way of ending watches: their timeout, here 1–2 s.
                if tier == .envtest { configuration.watch.timeoutSeconds = 1...2 }
            }) { rig in
                let before = try await rig.converged(on: ["p0", "p1", "p2"], "all three captures running")
                let kept = rig.files(of: "p2")
                #expect(!kept.isEmpty)
                let reconnects = try await rig.counter(PodcapMetricNames.watchReconnects)
                if tier == .kubesim {
                    for _ in 0..<8 { try rig.sim.injectWatchFault(.dropAfter(events: 2)) }
                    try rig.sim.dropOpenWatches()
                }

                // A burst: p0's N changes (restart), p1's annotation goes, p2 gets unrelated churn
                // that only produces watch events; a reconnect in the middle of it.
                try await rig.annotate(0, "3")
                for i in 0..<4 { try await rig.cluster.annotate("p2", ["note": "\(i)"]) }
                try await rig.counter(PodcapMetricNames.watchReconnects, atLeast: reconnects + 1)
                try await rig.annotate(1, nil)
                for i in 4..<8 { try await rig.cluster.annotate("p2", ["note": "\(i)"]) }
                try await rig.counter(PodcapMetricNames.watchReconnects, atLeast: reconnects + 2)

                let after = try await rig.converged(on: ["p0", "p2"], "p0 restarted with N=3, p1 stopped, p2 untouched")
                #expect(after["p2"] == before["p2"], "p2's tcpdump was never restarted")
                #expect(after["p0"] != before["p0"])
                #expect(rig.files(of: "p2").isSuperset(of: kept), "no file of a still-annotated Pod is lost")
                try await rig.cluster.eventually("p1's files deleted") { rig.files(of: "p1").isEmpty }
                let metrics = try await rig.metrics()
                #expect(metrics.value(PodcapMetricNames.watchReconnects) ?? 0 >= reconnects + 2)
                #expect((metrics.value(PodcapMetricNames.watchRelists) ?? 0) == 0, "resumed from the resourceVersion, never relisted")
                if tier == .kubesim {
                    #expect(try rig.sim.requests().filter { $0.isWatch }.count >= 4, "the drops forced new watches")
                }
            }
        }
    }
}
