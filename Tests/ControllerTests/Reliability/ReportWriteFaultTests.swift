import Actors
import Controller
import Foundation
import KubeSim
import Logging
import Testing

extension Reliability.Serial {
    /// Issue 12, item 1: Event and status writes failing (403, 409, 422) or hanging while captures
    /// change. Reporting is best effort and off the capture path: every failed write is logged and
    /// dropped, a hanging one delays only the reports behind it, and the captures are exactly what
    /// the annotations ask for throughout.
    @Suite("fault matrix: Event and status writes failing", .serialized)
    struct ReportWriteFaultTests {
        @Test("403/409/422 on Events and status, then a write that hangs: captures unaffected, failures logged",
              .enabled(if: FaultRig.unsupported == nil))
        func failingWrites() async throws {
            try await FaultRig.with(pods: 3) { rig in
                let sim = try rig.sim
                let ns = rig.cluster.namespace
                let before = try await rig.converged(on: ["p0", "p1", "p2"], "all three captures running")
                try await rig.cluster.eventually("the first reports written") {
                    sim.events(namespace: ns).filter { $0.reason == "CaptureStarted" }.count == 3
                }
                let served = sim.requests().count
                for code in [403, 409, 422] {
                    sim.failNextRequests(1, with: RequestFault(code: code, pathContains: "/events", method: "POST"))
                    sim.failNextRequests(1, with: RequestFault(code: code, pathContains: "/namespaces/\(ns)/pods/", method: "PATCH"))
                }

                // Changes through KubeSim directly, so the test's own writes meet no fault.
                var mark = rig.waiter.mark
                try sim.annotatePod(namespace: ns, name: "p0", key: "tcpdump.antrea.io", value: "3")
                try sim.annotatePod(namespace: ns, name: "p2", key: "tcpdump.antrea.io", value: nil)
                let p1 = try #require(before["p1"])
                kill(p1, SIGKILL)
                _ = try await rig.waiter.next(since: mark) { r in
                    if case .started(_, _, _, 2) = r.change { return r.pod.name == "p1" }
                    return false
                }
                let after = try await rig.converged(on: ["p0", "p1"], "p0 restarted with N=3, p1 restarted, p2 stopped")
                #expect(after["p0"] != before["p0"] && after["p1"] != before["p1"])
                try await rig.cluster.eventually("p2's files deleted") { rig.files(of: "p2").isEmpty }
                try await rig.cluster.eventually("all six faults met") {
                    sim.requests().dropFirst(served).filter { [403, 409, 422].contains($0.code) }.count == 6
                }
                do {
                    try await rig.cluster.eventually("each failed write logged") {
                        rig.logs.messages(containing: "cannot record Event").count == 3
                            // "cannot write …" or, for the stopped p2, "cannot remove …".
                            && rig.logs.messages(containing: "tcpdump.antrea.io/status: HTTP").count == 3
                    }
                } catch {
                    Issue.record("logged: \(rig.logs.all.filter { $0.level >= .warning }.map(\.message))")
                    throw error
                }

                // A hanging Event write: the reporter waits on it, the captures do not.
                let hold = sim.holdRequests(method: "POST", pathContains: "/events")
                mark = rig.waiter.mark
                try sim.annotatePod(namespace: ns, name: "p2", key: "tcpdump.antrea.io", value: "2")
                await hold.arrived()
                let started = try await rig.waiter.waitForStart(of: "p2", since: mark)
                let during = try await rig.converged(on: ["p0", "p1", "p2"], "p2 captures while its Event write hangs")
                #expect(during["p2"] == started)
                hold.release()
                try await rig.cluster.eventually("p2's status written once the write returned") {
                    sim.annotations(namespace: ns, name: "p2")["tcpdump.antrea.io/status"]?.contains("\"capturing\"") == true
                }
                #expect(rig.tcpdumps().mapValues(\.count) == ["p0": 1, "p1": 1, "p2": 1], "nothing duplicated")
            }
        }
    }
}
