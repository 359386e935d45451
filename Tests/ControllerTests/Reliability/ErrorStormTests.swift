import Controller
import KubeSim
import Testing

extension Reliability.Serial {
    /// Issue 12, item 1: storms of 500 and of 429 with `Retry-After` on the list and watch, while
    /// annotations change. The controller backs off (never sooner than `Retry-After`), keeps every
    /// running capture, and applies the changes once the server answers again.
    @Suite("fault matrix: 500 and 429 storms", .serialized)
    struct ErrorStormTests {
        @Test("500 storm, then 429 storm with Retry-After: honoured, captures converge, none restarted",
              .enabled(if: FaultRig.unsupported == nil))
        func storms() async throws {
            try await FaultRig.with(pods: 3) { rig in
                let sim = try rig.sim
                let ns = rig.cluster.namespace
                let before = try await rig.converged(on: ["p0", "p1", "p2"], "all three captures running")
                let kept = rig.files(of: "p0").union(rig.files(of: "p2"))
                let podRequests = { (code: Int) in
                    sim.requests().filter { $0.method == "GET" && $0.path == "/api/v1/pods" && $0.code == code }
                }

                // 500 storm: every list and watch fails six times in a row.
                sim.failNextRequests(6, with: RequestFault(code: 500, pathContains: "/api/v1/pods", method: "GET"))
                sim.dropOpenWatches()
                try sim.annotatePod(namespace: ns, name: "p1", key: "tcpdump.antrea.io", value: nil)
                let afterErrors = try await rig.converged(on: ["p0", "p2"], "p1 stopped once the 500s ended")
                #expect(podRequests(500).count == 6, "every injected 500 was met by a retry")
                #expect(afterErrors == before.filter { $0.key != "p1" }, "p0 and p2 kept their tcpdump")

                // 429 storm with Retry-After: 1 s.
                sim.failNextRequests(3, with: RequestFault(code: 429, retryAfterSeconds: 1, pathContains: "/api/v1/pods", method: "GET"))
                sim.dropOpenWatches()
                try sim.annotatePod(namespace: ns, name: "p1", key: "tcpdump.antrea.io", value: "2")
                let afterThrottle = try await rig.converged(on: ["p0", "p1", "p2"], "p1 back once the 429s ended")
                #expect(afterThrottle["p0"] == before["p0"] && afterThrottle["p2"] == before["p2"])
                let all = sim.requests().filter { $0.method == "GET" && $0.path == "/api/v1/pods" }
                let throttled = all.indices.filter { all[$0].code == 429 }
                #expect(throttled.count == 3)
                for i in throttled where i + 1 < all.count {
                    let gap = all[i + 1].arrived - all[i].arrived
                    #expect(gap >= .milliseconds(990), "the retry after a 429 waited its Retry-After: \(gap)")
                }
                #expect(rig.files(of: "p0").union(rig.files(of: "p2")).isSuperset(of: kept))
                #expect(try await rig.counter(PodcapMetricNames.watchReconnects) >= 2)
                let failures = rig.logs.messages(containing: "pod list/watch failed; retrying")
                #expect(failures.count >= 9, "each failure is logged with its delay (\(failures.count))")
            }
        }
    }
}
