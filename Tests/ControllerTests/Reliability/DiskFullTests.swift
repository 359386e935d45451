import Actors
import Controller
import Foundation
import PodSandbox
import Testing

extension Reliability.Serial {
    /// Issue 12, item 2: the capture directory's file system fills up (a 2 MiB tmpfs). tcpdump
    /// does not notice (its writes fail with ENOSPC and it runs on), so podcap reports it: one
    /// error line naming ENOSPC, the directory and the captures; the captures keep running, no file
    /// is deleted or cut, and freeing space (a Pod's annotation removed) is reported too.
    @Suite("fault matrix: capture file system full", .serialized)
    struct DiskFullTests {
        @Test("ENOSPC reported once, captures keep running, nothing half-deleted; space back reported",
              .enabled(if: FaultRig.unsupported == nil))
        func diskFull() async throws {
            try await withTmpfs(size: "2m") { mountpoint in
                try await FaultRig.with(pods: 3, annotations: [:], directory: mountpoint, configure: { configuration, _ in
                    configuration.diskSampleInterval = .milliseconds(200)
                }) { rig in
                    // p0's ring (5 × 1 MB) is larger than the file system.
                    try await rig.annotate(0, "5")
                    try await rig.annotate(1, "2")
                    let before = try await rig.converged(on: ["p0", "p1"], "two captures on the small file system")
                    // 2,000 datagrams of 1,200 bytes into p0: more than 2 MiB of pcap.
                    #expect(try await Traffic.sendUDP(from: rig.pods[2], to: rig.pods[0], count: 2000, payloadSize: 1200) == 2000)
                    do {
                        try await rig.cluster.eventually(timeout: .seconds(10), "ENOSPC reported") {
                            !rig.logs.messages(containing: "ENOSPC").isEmpty
                        }
                    } catch {
                        var info = statvfs()
                        _ = statvfs(mountpoint, &info)
                        Issue.record("free blocks \(info.f_bavail) of \(info.f_blocks); files \(rig.files().map { ($0, try? FileManager.default.attributesOfItem(atPath: mountpoint + "/" + $0)[.size]) })")
                        throw error
                    }
                    let full = rig.logs.messages(containing: "ENOSPC")
                    #expect(full.count == 1, "said once, not every sample: \(full)")
                    #expect(full[0].contains("capture directory \(mountpoint) is full"))
                    #expect(full[0].contains("\(rig.cluster.namespace)/p0") && full[0].contains("\(rig.cluster.namespace)/p1"),
                            "the line names the captures losing packets: \(full[0])")
                    let files = rig.files()
                    #expect(try await rig.converged(on: ["p0", "p1"], "both tcpdumps run on, full disk or not") == before)
                    #expect(rig.files() == files, "nothing deleted")

                    // Free the space the only way an operator should: remove a capture.
                    let mark = rig.waiter.mark
                    try await rig.annotate(0, nil)
                    let deleted = try await rig.waiter.waitForStop(of: "p0", since: mark)
                    #expect(Set(deleted.map { URL(fileURLWithPath: $0).lastPathComponent }) == files.filter { $0.hasPrefix("capture-p0.") },
                            "exactly p0's files, whole")
                    #expect(rig.files(of: "p0").isEmpty)
                    #expect(rig.files(of: "p1") == files.filter { $0.hasPrefix("capture-p1.") }, "p1's files untouched")
                    try await rig.cluster.eventually("space back reported") {
                        !rig.logs.messages(containing: "has free space again").isEmpty
                    }
                    #expect(try await rig.converged(on: ["p1"], "p1 still running")["p1"] == before["p1"])
                }
            }
        }
    }
}
