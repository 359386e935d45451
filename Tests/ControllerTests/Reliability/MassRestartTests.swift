import Actors
import Controller
import Foundation
import KubeModel
import KubeSim
import NodeRuntime
import Pcap
import PodSandbox
import TestSupport
import Testing

extension Reliability.Serial {
    /// Issue 12, item 2: the `podcap` binary SIGKILLed in the middle of 20 captures, five
    /// annotations removed while it is down, then started again; and a second podcap pointed at the
    /// same directory meanwhile. RestartTests does the same with two Pods.
    @Suite("fault matrix: podcap SIGKILLed under 20 captures", .serialized)
    struct MassRestartTests {
        static let count = 20

        @Test("SIGKILL under 20 captures: orphans stopped, 5 stale captures swept, 15 resumed with their packets; a second podcap refuses",
              .enabled(if: RestartTests.unsupported == nil), .timeLimit(.minutes(3)))
        func killUnderLoad() async throws {
            try await withSandboxPods(count: Self.count, options: SandboxOptions(subnet: "10.254.0", namePrefix: "podcap-mass")) { pods in
                try await TestCluster.with(.kubesim) { cluster in
                    try await run(cluster: cluster, sim: try #require(cluster.sim), pods: pods)
                }
            }
        }

        private func run(cluster: TestCluster, sim: KubeSim, pods: [SandboxPod]) async throws {
            let node = TestNames.unique("node")
            let ns = cluster.namespace
            let names = (0..<Self.count).map { "m\($0)" }
            try await cluster.createRunningPods(names, on: node, backedBy: pods, annotations: ["tcpdump.antrea.io": "2"])
            let directory = try TestDirectory(prefix: "podcap-mass")
            defer { directory.remove() }
            let kubeconfig = directory.path + "/kubeconfig"
            try sim.writeKubeconfig(to: kubeconfig)
            let captureDir = directory.path + "/capture"
            let settings = CaptureSettings(directory: captureDir)
            let arguments = ["controller", "--node-name", node, "--kubeconfig", kubeconfig, "--capture-dir", captureDir,
                             "--listen", "127.0.0.1:0", "--grace-period", "1", "--max-concurrent", "20"]
            let reaper = OrphanCaptureReaper(directory: captureDir)
            defer { for pid in reaper.orphans() { kill(pid, SIGKILL) } }
            /// tcpdumps by Pod name, found through their network namespace.
            let byPod = { () -> [String: [Int32]] in
                var out: [String: [Int32]] = [:]
                for pid in reaper.orphans() where OrphanCaptureReaper.isAlive(pid) {
                    let inode = RealCaptureTests.netnsInode(pid)
                    out[pods.firstIndex { $0.netnsInode == inode }.map { names[$0] } ?? "?", default: []].append(pid)
                }
                return out
            }
            let oneEach = { (wanted: [String]) in
                let now = byPod()
                return Set(now.keys) == Set(wanted) && now.values.allSatisfy { $0.count == 1 }
            }
            let m0 = CapturePlan(pod: PodRef(namespace: ns, name: "m0", uid: ""), fileCount: 2, settings: settings)

            let first = try RestartTests.launch(arguments)
            defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
            // tcpdump creates its file once it listens: only then is traffic sure to be captured.
            let ringFiles = names.map { captureDir + "/capture-\($0).pcap0" }
            try await cluster.eventually(timeout: .seconds(40), "20 captures under the first podcap") {
                oneEach(names) && ringFiles.allSatisfy { FileManager.default.fileExists(atPath: $0) }
            }
            #expect(try await Traffic.sendUDP(from: pods[19], to: pods[0], count: 25) == 25)
            try await cluster.eventually(timeout: .seconds(10), "25 datagrams in m0's file") {
                ((try? PcapReader.summarize(path: m0.filePaths[0]))?.protocols.udp ?? 0) >= 25
            }
            let orphaned = Set(reaper.orphans())
            kill(first.processIdentifier, SIGKILL)
            try await Self.exit(of: first)
            #expect(Set(reaper.orphans()) == orphaned, "a SIGKILLed podcap leaves its 20 tcpdumps running")

            let stale = Array(names[1...5])
            for name in stale { try sim.annotatePod(namespace: ns, name: name, key: "tcpdump.antrea.io", value: nil) }
            let staleFiles = stale.flatMap { name in
                CapturePlan(pod: PodRef(namespace: ns, name: name, uid: ""), fileCount: 2, settings: settings).filePaths
            }
            #expect(staleFiles.contains { FileManager.default.fileExists(atPath: $0) })

            let restarted = ContinuousClock.now
            let second = try RestartTests.launch(arguments)
            defer { if second.isRunning { kill(second.processIdentifier, SIGKILL) } }
            let desired = names.filter { !stale.contains($0) }
            try await cluster.eventually(timeout: .seconds(40), "orphans stopped, stale swept, 15 resumed") {
                oneEach(desired) && orphaned.isDisjoint(with: reaper.orphans())
                    && staleFiles.allSatisfy { !FileManager.default.fileExists(atPath: $0) }
            }
            print("20-capture restart: converged \((ContinuousClock.now - restarted).readable) after the second podcap started")
            for pid in orphaned { #expect(!OrphanCaptureReaper.isAlive(pid)) }
            let kept = try CaptureDirectory(path: captureDir).ownedNames(of: m0).filter { $0.segment != nil }
            #expect(kept.map(\.fileName) == ["capture-m0.pcap0.1"], "the first run's file is kept as a segment")
            let earlier = try PcapReader.summarize(path: captureDir + "/capture-m0.pcap0.1")
            #expect(earlier.protocols.udp >= 25 && !earlier.truncated, "the packets before the crash survive")

            // Two podcaps on one directory: the newcomer refuses, naming the holder, and changes nothing.
            let running = reaper.orphans()
            let third = Process()
            third.executableURL = URL(fileURLWithPath: try #require(RestartTests.binary))
            third.arguments = arguments
            let errors = Pipe()
            third.standardOutput = FileHandle.nullDevice
            third.standardError = errors
            try third.run()
            // The refusal takes the grace period + 5 s: wait on a Dispatch thread, not the test pool's.
            let reader = errors.fileHandleForReading
            let output = try await offload { String(decoding: reader.readDataToEndOfFile(), as: UTF8.self) }
            try await Self.exit(of: third)
            #expect(third.terminationStatus != 0)
            #expect(output.contains("capture directory \(captureDir) is in use by another podcap (PID \(second.processIdentifier))"), "\(output)")
            #expect(reaper.orphans() == running, "the refused podcap stopped nothing")

            kill(second.processIdentifier, SIGTERM)
            try await Self.exit(of: second)
            #expect(second.terminationStatus == 0)
            #expect(reaper.orphans().isEmpty)
        }

        /// Waits for `process` off the cooperative pool: blocking one of its two threads here would
        /// stall the suites running alongside (their timers and servers).
        static func exit(of process: Process) async throws {
            try await offload { process.waitUntilExit() }
        }
    }
}
