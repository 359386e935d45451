import Actors
import Controller
import Foundation
import NodeRuntime
import PodSandbox
import TestSupport
import Testing

extension Reliability.Serial {
    /// Issue 12, item 2: tcpdump failing, at start or under way, for reasons of the node: the
    /// interface vanished, the binary was removed after podcap started, the capture directory
    /// became read-only. Each is a `failed` report (the `CaptureFailed` Event) carrying the line
    /// that explains it, the other capture runs on, and no file is deleted.
    @Suite("fault matrix: tcpdump failing at start", .serialized)
    struct StartFailureTests {
        private static func failure(of name: String, in rig: FaultRig, since mark: Int) async throws -> String {
            let report = try await rig.waiter.next(since: mark) { r in
                guard r.pod.name == name else { return false }
                switch r.change {
                case .failed, .rejected, .waiting: return true
                default: return false
                }
            }
            guard case .failed(let reason, _, _) = report.change else {
                Issue.record("\(name): expected a failure, got \(report.change)")
                return ""
            }
            return reason
        }

        @Test("the interface goes away under tcpdump: its own line, then InterfaceNotFound; files kept",
              .enabled(if: FaultRig.unsupported == nil))
        func interfaceGone() async throws {
            try await FaultRig.with(pods: 2, annotations: ["tcpdump.antrea.io": "2", "tcpdump.antrea.io/interface": "eth0"]) { rig in
                let before = try await rig.converged(on: ["p0", "p1"], "both captures running on eth0")
                let files = rig.files(of: "p0")
                let mark = rig.waiter.mark
                try await Self.run(["/usr/sbin/ip", "-n", rig.pods[0].name, "link", "del", "eth0"])
                let reason = try await Self.failure(of: "p0", in: rig, since: mark)
                #expect(reason.contains("tcpdump: pcap_loop: The interface disappeared"), "\(reason)")
                let next = try await rig.waiter.next(since: mark) { r in
                    if case .rejected = r.change { return r.pod.name == "p0" }
                    return false
                }
                guard case .rejected(.interfaceNotFound("eth0", _)) = next.change else {
                    Issue.record("p0: \(next.change)")
                    return
                }
                let after = try await rig.converged(on: ["p1"], "p0 ended, p1 untouched")
                #expect(after["p1"] == before["p1"])
                #expect(rig.files(of: "p0") == files, "a failed capture keeps its files")
            }
        }

        @Test("the tcpdump binary removed after podcap started: CaptureFailed names it, retried, other capture runs",
              .enabled(if: FaultRig.unsupported == nil))
        func binaryMissing() async throws {
            let scratch = try TestDirectory(prefix: "podcap-bin")
            defer { scratch.remove() }
            let tcpdump = scratch.path + "/tcpdump"
            try FileManager.default.copyItem(atPath: "/usr/bin/tcpdump", toPath: tcpdump)
            try await FaultRig.with(pods: 2, annotations: [:], configure: { configuration, _ in
                configuration.tcpdumpPath = tcpdump
            }) { rig in
                var mark = rig.waiter.mark
                try await rig.annotate(1, "2")
                _ = try await rig.waiter.waitForStart(of: "p1", since: mark)
                let running = try await rig.converged(on: ["p1"], "p1 captures with the copied tcpdump")
                try FileManager.default.removeItem(atPath: tcpdump)
                mark = rig.waiter.mark
                try await rig.annotate(0, "2")
                let reason = try await Self.failure(of: "p0", in: rig, since: mark)
                #expect(reason.contains(tcpdump), "\(reason)")
                // It is retried (the binary may come back), with backoff: a second failure, later.
                let second = try await rig.waiter.next(since: mark) { r in
                    if case .failed(_, _, 2) = r.change { return r.pod.name == "p0" }
                    return false
                }
                guard case .failed(let again, _, _) = second.change else { return }
                #expect(again == reason)
                #expect(try await rig.converged(on: ["p1"], "p1 untouched") == running)
            }
        }

        @Test("the capture directory read-only: CaptureFailed with tcpdump's own line naming the file",
              .enabled(if: FaultRig.unsupported == nil))
        func directoryUnwritable() async throws {
            try await withTmpfs(size: "1m") { mountpoint in
                // Read-only from the start: the startup check would refuse such a directory, so this
                // runs the node runtime directly, as after the file system turned read-only under podcap.
                guard mount("tmpfs", mountpoint, "tmpfs", UInt(MS_REMOUNT | MS_RDONLY), "size=1m") == 0 else {
                    throw ClusterWaitError(what: "remount read-only: \(String(cString: strerror(errno)))")
                }
                try await FaultRig.with(pods: 1, directory: mountpoint, runtime: TcpdumpRuntime()) { rig in
                    let reason = try await Self.failure(of: "p0", in: rig, since: 0)
                    #expect(reason.contains("capture-p0.pcap0") && reason.contains("Read-only file system"), "\(reason)")
                    #expect(rig.tcpdumps().isEmpty)
                    #expect(rig.files().isEmpty)
                }
            }
        }

        private static func run(_ argv: [String]) async throws {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: argv[0])
            process.arguments = Array(argv.dropFirst())
            try process.run()
            try await offload { process.waitUntilExit() }
            guard process.terminationStatus == 0 else { throw ClusterWaitError(what: "\(argv) exited \(process.terminationStatus)") }
        }
    }
}
