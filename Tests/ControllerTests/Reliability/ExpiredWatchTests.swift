import Controller
import KubeSim
import Testing

extension Reliability.Serial {
    /// Issue 12, item 1: 410 Gone during a burst of annotation changes, both ways the server says
    /// it (an ERROR event on the stream after compaction, and an HTTP 410 answer). The changes
    /// made while the watch was away are seen only through the relist, which must turn into exactly
    /// the right stops and starts.
    @Suite("fault matrix: 410 Gone during a burst", .serialized)
    struct ExpiredWatchTests {
        @Test("history compacted while the watch is away: relist, captures converge, untouched capture kept",
              .enabled(if: FaultRig.unsupported == nil))
        func goneDuringBurst() async throws {
            try await FaultRig.with(pods: 3) { rig in
                let sim = try rig.sim
                let ns = rig.cluster.namespace
                let before = try await rig.converged(on: ["p0", "p1", "p2"], "all three captures running")
                let kept = rig.files(of: "p2")

                // 1. ERROR 410 on the stream: hold the reconnect, change things, compact, let it go.
                let hold = sim.holdRequests(method: "GET", pathContains: "/api/v1/pods")
                sim.dropOpenWatches()
                await hold.arrived()
                try sim.annotatePod(namespace: ns, name: "p0", key: "tcpdump.antrea.io", value: "3")
                try sim.annotatePod(namespace: ns, name: "p1", key: "tcpdump.antrea.io", value: nil)
                for i in 0..<5 { try sim.annotatePod(namespace: ns, name: "p2", key: "note", value: "\(i)") }
                sim.compactHistory()
                hold.release()
                try await rig.counter(PodcapMetricNames.watchRelists, atLeast: 1)
                let afterFirst = try await rig.converged(on: ["p0", "p2"], "relist: p0 restarted, p1 stopped")
                #expect(afterFirst["p2"] == before["p2"], "the relist did not restart p2")
                #expect(afterFirst["p0"] != before["p0"])
                try await rig.cluster.eventually("p1's files deleted") { rig.files(of: "p1").isEmpty }

                // 2. HTTP 410 for the next watch, in the middle of more changes.
                sim.injectWatchFault(.expiredAsHTTPStatus)
                try sim.annotatePod(namespace: ns, name: "p1", key: "tcpdump.antrea.io", value: "2")
                sim.dropOpenWatches()
                try sim.annotatePod(namespace: ns, name: "p0", key: "tcpdump.antrea.io", value: nil)
                try await rig.counter(PodcapMetricNames.watchRelists, atLeast: 2)
                let afterSecond = try await rig.converged(on: ["p1", "p2"], "second relist: p1 back, p0 stopped")
                #expect(afterSecond["p2"] == before["p2"])
                #expect(rig.files(of: "p2").isSuperset(of: kept), "no file of a still-annotated Pod is lost")
                try await rig.cluster.eventually("p0's files deleted") { rig.files(of: "p0").isEmpty }
                #expect(sim.requests().contains { $0.isWatch && $0.code == 410 }, "the HTTP 410 was served")
            }
        }
    }
}
