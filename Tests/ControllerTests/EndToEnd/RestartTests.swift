import Actors
import Controller
import Foundation
import KubeClient
import KubeSim
import NodeRuntime
import Pcap
import PodSandbox
import TestSupport
import Testing

/// The `podcap` binary as a real process: SIGKILL it, change things while it is down, start it
/// again, then SIGTERM it.
@Suite("podcap process: kill, restart, shutdown", .serialized)
struct RestartTests {
    /// `.build/<triple>/debug/podcap`, next to the test bundle.
    static let binary: String? = {
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("podcap").path
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        let built = FileManager.default.currentDirectoryPath + "/.build/debug/podcap"
        return FileManager.default.isExecutableFile(atPath: built) ? built : nil
    }()

    static let unsupported: String? = {
        if binary == nil { return "the podcap binary is not built (swift build)" }
        return SandboxNetwork.unsupportedReason()
    }()

    @Test("SIGKILL, un-annotate while down, restart: stale files swept, orphans stopped, captures resumed; SIGTERM keeps files",
          .enabled(if: unsupported == nil))
    func killAndRestart() async throws {
        try await withSandboxPods(count: 2, options: SandboxOptions(subnet: "10.252.0", namePrefix: "podcap-rst")) { pods in
            try await TestCluster.with(.kubesim) { cluster in
                try await run(cluster: cluster, sim: try #require(cluster.sim), pods: pods)
            }
        }
    }

    private func run(cluster: TestCluster, sim: KubeSim, pods: [SandboxPod]) async throws {
        let node = TestNames.unique("node")
        let ns = cluster.namespace
        try await cluster.createRunningPods(["keep", "drop"], on: node, backedBy: pods, annotations: ["tcpdump.antrea.io": "2"])
        let directory = try TestDirectory(prefix: "podcap-rst")
        defer { directory.remove() }
        let kubeconfig = directory.path + "/kubeconfig"
        try sim.writeKubeconfig(to: kubeconfig)
        let captureDir = directory.path + "/capture"
        let settings = CaptureSettings(directory: captureDir)
        let keepPlan = CapturePlan(pod: PodRef(namespace: ns, name: "keep", uid: ""), fileCount: 2, settings: settings)
        let keepFiles = keepPlan.filePaths
        // A restarted capture writes a smaller ring when it kept files of the run before, so
        // "being written" is: some ring file of the plan exists (not only a kept segment).
        let keepRingExists = {
            (try? CaptureDirectory(path: captureDir).ownedNames(of: keepPlan))?.contains { $0.segment == nil } == true
        }
        let dropFiles = CapturePlan(pod: PodRef(namespace: ns, name: "drop", uid: ""), fileCount: 2, settings: settings).filePaths
        let arguments = ["controller", "--node-name", node, "--kubeconfig", kubeconfig, "--capture-dir", captureDir,
                         "--listen", "127.0.0.1:0", "--grace-period", "3"]
        let reaper = OrphanCaptureReaper(directory: captureDir)

        let first = try Self.launch(arguments)
        defer { if first.isRunning { kill(first.processIdentifier, SIGKILL) } }
        try await cluster.eventually(timeout: .seconds(15), "both captures running under the first podcap") {
            reaper.orphans().count == 2 && FileManager.default.fileExists(atPath: keepFiles[0])
                && FileManager.default.fileExists(atPath: dropFiles[0])
        }
        // Packets captured before the crash must survive the restart (issue 8).
        #expect(try await Traffic.ping(from: pods[1], to: pods[0], count: 1) == 1)
        #expect(try await Traffic.sendUDP(from: pods[1], to: pods[0], count: 25) == 25)
        try await cluster.eventually(timeout: .seconds(10), "25 datagrams in keep's file") {
            ((try? PcapReader.summarize(path: keepFiles[0]))?.protocols.udp ?? 0) >= 25
        }
        let orphaned = reaper.orphans()
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        #expect(reaper.orphans() == orphaned, "outside a Pod's cgroup, a SIGKILLed podcap leaves its tcpdumps running")

        // While podcap is down, "drop" loses its annotation: its files are now stale.
        try await cluster.annotate("drop", nil)

        let second = try Self.launch(arguments)
        defer { if second.isRunning { kill(second.processIdentifier, SIGKILL) } }
        try await cluster.eventually(timeout: .seconds(15), "stale files swept, orphans stopped, keep captured again") {
            let now = reaper.orphans()
            return now.count == 1 && Set(now).isDisjoint(with: orphaned)
                && dropFiles.allSatisfy { !FileManager.default.fileExists(atPath: $0) }
                && keepRingExists()
        }
        for pid in orphaned { #expect(kill(pid, 0) != 0 || RealCaptureTests.isAlive(pid) == false) }

        // A third podcap on the same directory refuses to start (after the grace period + 5 s it
        // gives a predecessor), naming the holder, and touches nothing of the running one.
        let running = reaper.orphans()
        let third = Process()
        third.executableURL = URL(fileURLWithPath: try #require(Self.binary))
        third.arguments = arguments
        let errors = Pipe()
        third.standardOutput = FileHandle.nullDevice
        third.standardError = errors
        let refused = ContinuousClock.now
        try third.run()
        let output = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        third.waitUntilExit()
        #expect(third.terminationStatus != 0)
        #expect(output.contains("capture directory \(captureDir) is in use by another podcap (PID \(second.processIdentifier))"), "\(output)")
        #expect(ContinuousClock.now - refused < .seconds(15))
        print("third podcap refused after \((ContinuousClock.now - refused).readable): \(output.split(separator: "\n").last ?? "")")
        #expect(reaper.orphans() == running, "the second podcap's tcpdump was not stopped")
        #expect(keepRingExists(), "and its files were not swept")
        let kept = try CaptureDirectory(path: captureDir).ownedNames(of: keepPlan).filter { $0.segment != nil }
        #expect(kept.map(\.fileName) == ["capture-keep.pcap0.1"], "the first run's file is kept as segment 1")
        let before = try PcapReader.summarize(path: captureDir + "/capture-keep.pcap0.1")
        #expect(before.protocols.udp >= 25 && !before.truncated, "the packets before the restart are still readable")

        // SIGTERM: graceful, exits 0, tcpdump stopped, files kept for the next start.
        let stopping = ContinuousClock.now
        kill(second.processIdentifier, SIGTERM)
        second.waitUntilExit()
        #expect(second.terminationStatus == 0)
        #expect(ContinuousClock.now - stopping < .seconds(5))
        #expect(reaper.orphans().isEmpty)
        #expect(keepRingExists(), "shutdown keeps the files of a capture still wanted")
    }

    static func launch(_ arguments: [String]) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(binary))
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return process
    }
}
