import Actors
import Controller
import Foundation
import KubeClient
import KubeSim
import Testing

extension Reliability.Serial {
    /// Issue 12, item 1: the ServiceAccount token file rotated while a watch is open, the old token
    /// revoked at once. The client re-reads the file after the 401 (in-cluster config names the file,
    /// not the token) and the controller carries on: the watch resumes, Events and status go on.
    @Suite("fault matrix: token file rotated mid-watch", .serialized)
    struct TokenRotationTests {
        /// KubeSim's default token, which the test's own client sends.
        static let testToken = "kubesim-token"

        @Test("rotate the token file and revoke the old token: one 401 at most per path, then everything works again",
              .enabled(if: FaultRig.unsupported == nil))
        func rotation() async throws {
            let scratch = try TestDirectory(prefix: "podcap-token")
            defer { scratch.remove() }
            let tokenFile = scratch.path + "/token"
            try "controller-token-1\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
            try await FaultRig.with(pods: 2, configure: { configuration, cluster in
                let sim = try #require(cluster.sim)
                // The test's own client keeps KubeSim's token; the controller has its own, from the file.
                sim.setTokens([Self.testToken, "controller-token-1"])
                configuration.kube = KubeConfig(server: sim.url, token: .file(path: tokenFile), source: "in-cluster")
            }) { rig in
                let sim = try rig.sim
                let before = try await rig.converged(on: ["p0", "p1"], "both captures running with the first token")
                let served = sim.requests().count

                // The kubelet's rotation: a new file moved into place; the old token stops working.
                try "controller-token-2\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
                sim.setTokens([Self.testToken, "controller-token-2"])
                sim.dropOpenWatches()
                let mark = rig.waiter.mark
                try await rig.annotate(1, nil)
                _ = try await rig.waiter.waitForStop(of: "p1", since: mark)
                let after = try await rig.converged(on: ["p0"], "p1 stopped through the re-authenticated watch")
                #expect(after["p0"] == before["p0"])

                // Status writes go through with the new token too.
                try await rig.annotate(1, "2")
                try await rig.converged(on: ["p0", "p1"], "p1 started again")
                try await rig.cluster.eventually("p1's status says capturing") {
                    try await rig.cluster.annotations("p1")["tcpdump.antrea.io/status"]?.contains("\"capturing\"") == true
                }
                let later = Array(sim.requests().dropFirst(served))
                let rejected = later.filter { $0.code == 401 }
                #expect(rejected.count <= 3, "a 401 re-reads the file at once: \(rejected.map(\.path))")
                #expect(later.contains { $0.isWatch && $0.code == 200 }, "a watch was opened with the new token")
                #expect(try await rig.counter(PodcapMetricNames.watchReconnects) >= 1)
            }
        }
    }
}
