import Foundation
import KubeSim
import NodeRuntime
import Synchronization
import PodSandbox
import TestSupport
import Testing

/// `make soak` (30 min) and `make test` (3 min): the real `podcap controller` binary under
/// random annotate / change N / remove / delete / re-create / tcpdump kills on 50
/// network-namespace Pods with traffic, `--max-concurrent 8`. Enabled only by
/// `PODCAP_SOAK_SECONDS`, so the main `swift test` run skips it. Real kube-apiserver when
/// `PODCAP_ENVTEST` is set, KubeSim otherwise.
@Suite("soak: the podcap binary under a random workload", .serialized)
struct SoakTests {
    static let seconds: Int? = ProcessInfo.processInfo.environment["PODCAP_SOAK_SECONDS"].flatMap { Int($0) }

    static let unsupported: String? = {
        guard let seconds else { return "PODCAP_SOAK_SECONDS is not set" }
        // The first and the last minute are compared; they must not overlap.
        if seconds < 120 { return "PODCAP_SOAK_SECONDS must be at least 120" }
        if RestartTests.binary == nil { return "the podcap binary is not built (swift build)" }
        return SandboxNetwork.unsupportedReason()
    }()

    static let podCount = 50
    static let maxConcurrent = 8
    /// How long podcap may take to follow a change before the monitor calls it a violation:
    /// a stop is SIGTERM plus at most the 3 s grace, a restart waits 1 s of backoff, and the
    /// 2-core machine may be busy with other builds.
    static let settle = 20.0

    /// fds: every running capture holds a few (its stderr socket, pidfds, the exit watch), so
    /// the count moves with how many of the 8 places are taken; both minutes have them all
    /// taken most of the time. 12 is one and a half captures' worth of slack. A leak of one fd
    /// per operation would add hundreds over a CI run of ~300 operations.
    static let fdTolerance = 12
    /// RSS: the allocator keeps freed pages and grows its arenas during the first minutes, and
    /// the watch's decode buffers follow the largest Pod seen. 16 MiB over the first minute's
    /// maximum is that warm-up; a leak of 50 KiB per operation (a Pod's state and a report
    /// each time) would exceed it within a 30-minute run.
    static let rssToleranceKiB = 16 * 1024

    @Test("random operations for PODCAP_SOAK_SECONDS: no leaked tcpdump, file, zombie, fd or memory", .enabled(if: unsupported == nil))
    func soak() async throws {
        let seconds = try #require(Self.seconds)
        let seed = ProcessInfo.processInfo.environment["PODCAP_SOAK_SEED"].flatMap { UInt64($0) } ?? UInt64.random(in: 1...UInt64.max)
        let tier: APITier = Envtest.isEnabled ? .envtest : .kubesim
        print("soak: seed \(seed) (PODCAP_SOAK_SEED=\(seed) replays it), \(seconds) s, \(Self.podCount) Pods, --max-concurrent \(Self.maxConcurrent), API \(tier)")
        try await withSandboxPods(count: Self.podCount, options: SandboxOptions(subnet: "10.248.0", namePrefix: "podcap-soak")) { sandbox in
            try await TestCluster.with(tier) { cluster in
                try await run(cluster: cluster, sandbox: sandbox, seconds: seconds, seed: seed)
            }
        }
    }

    private func run(cluster: TestCluster, sandbox: [SandboxPod], seconds: Int, seed: UInt64) async throws {
        let node = TestNames.unique("soak-node")
        let directory = try TestDirectory(prefix: "podcap-soak")
        defer { directory.remove() }
        let captureDir = directory.path + "/capture"
        let kubeconfig = try await Self.kubeconfig(for: cluster, in: directory.path)
        let start = ProcessProbe.uptime()
        let pods = (0..<Self.podCount).map { SoakPod(name: String(format: "soak-%02d", $0), sandbox: $0, lastChange: start) }
        try await SoakWorkload.createPods(pods, cluster: cluster, node: node, sandbox: sandbox)

        let log = directory.path + "/podcap.log"
        let podcap = try Self.launch(["controller", "--node-name", node, "--kubeconfig", kubeconfig, "--capture-dir", captureDir,
                                      "--listen", "127.0.0.1:0", "--grace-period", "3", "--max-concurrent", String(Self.maxConcurrent),
                                      "--max-files", "10"], log: log)
        let reaper = OrphanCaptureReaper(directory: captureDir)
        do {
            try await exercise(podcap: podcap, cluster: cluster, node: node, sandbox: sandbox, pods: pods,
                               captureDir: captureDir, seconds: seconds, seed: seed)
        } catch {
            Self.stop(podcap)
            await reaper.stopOrphans()
            Self.printTail(of: log)
            throw error
        }
        Self.stop(podcap)
        await reaper.stopOrphans()
    }

    private func exercise(podcap: Process, cluster: TestCluster, node: String, sandbox: [SandboxPod], pods: [SoakPod],
                          captureDir: String, seconds: Int, seed: UInt64) async throws {
        let pid = podcap.processIdentifier
        let launched = ProcessProbe.uptime()
        let state = SoakState(pods: pods)
        let probe = ProcessProbe(directory: captureDir)
        let netns = sandbox.map(\.netnsInode)
        let monitor = SoakMonitor(state: state, probe: probe, podcap: pid, launchedAt: launched,
                                  maxConcurrent: Self.maxConcurrent, settle: Self.settle, netns: netns)
        var workload = SoakWorkload(cluster: cluster, node: node, sandbox: sandbox, state: state, probe: probe,
                                    random: SeededGenerator(seed: seed))
        var pacing = SeededGenerator(seed: seed ^ 0x5EED)

        let traffic = try await withThrowingTaskGroup(of: (Int, Int)?.self) { group in
            group.addTask { await monitor.run(); return nil }
            group.addTask { let t = await SoakTraffic(pods: sandbox, seed: seed &+ 1).run(); return (t.datagrams, t.replies) }
            let deadline = launched + Double(seconds)
            while ProcessProbe.uptime() < deadline {
                guard podcap.isRunning else { break }
                do {
                    _ = try await workload.step()
                } catch {
                    state.update { $0.failedOperations.append("\(error)") }
                }
                // Random pacing between operations: the workload, not a wait for podcap.
                try await Task.sleep(for: .milliseconds(Int.random(in: 100...1_000, using: &pacing)))
            }
            group.cancelAll()
            var traffic = (0, 0)
            for try await result in group { if let result { traffic = result } }
            return traffic
        }
        #expect(podcap.isRunning, "podcap exited during the soak (status \(podcap.isRunning ? 0 : podcap.terminationStatus))")

        // Settled: podcap caught up with the last operations. Re-read until then; nothing
        // announces "converged" (its reports go to the API server, its files to disk).
        let settled = SoakSettledCheck(state: state, probe: probe, podcap: pid, namespace: cluster.namespace,
                                       captureDirectory: captureDir, maxConcurrent: Self.maxConcurrent, netns: netns)
        var problems = settled.problems()
        let settleDeadline = ContinuousClock.now + .seconds(60)
        while !problems.isEmpty, ContinuousClock.now < settleDeadline {
            try await Task.sleep(for: .milliseconds(250))
            problems = settled.problems()
        }
        let fds = ProcessProbe.openFileDescriptors(of: pid) ?? -1, rss = ProcessProbe.residentKiB(of: pid) ?? -1

        let report = state.read { $0 }
        let total = report.operations.values.reduce(0, +)
        print("soak: \(total) operations in \(seconds) s: " + report.operations.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        print("soak: traffic \(traffic.0) datagrams, \(traffic.1) ping replies; settled with \(probe.tcpdumps().count) tcpdumps, \(fds) fds, \(rss / 1024) MiB RSS")
        #expect(report.failedOperations.isEmpty, "API requests of the workload failed: \(report.failedOperations.prefix(5))")
        #expect(report.violations.isEmpty, "during the soak:\n\(report.violations.prefix(20).joined(separator: "\n"))")
        #expect(problems.isEmpty, "60 s after the last operation:\n\(problems.joined(separator: "\n"))")
        #expect(total >= seconds, "the workload ran (at least one operation a second on average)")
        let first = report.samples.filter { $0.elapsed < 60 }
        let last = report.samples.filter { $0.elapsed >= Double(seconds) - 60 && $0.elapsed <= Double(seconds) }
        let firstFds = try #require(Spread(first.map(\.fds))), lastFds = try #require(Spread(last.map(\.fds)))
        let firstRSS = try #require(Spread(first.map(\.rssKiB))), lastRSS = try #require(Spread(last.map(\.rssKiB)))
        print("soak: fds, first minute \(firstFds); last minute \(lastFds) (\(first.count) and \(last.count) samples, every 5 s)")
        print("soak: RSS KiB, first minute \(firstRSS); last minute \(lastRSS)")

        #expect(lastFds.median <= firstFds.max + Self.fdTolerance, "open fds grew: \(firstFds) → \(lastFds)")
        #expect(lastRSS.median <= firstRSS.max + Self.rssToleranceKiB, "RSS grew: \(firstRSS) → \(lastRSS) KiB")

        // SIGTERM: graceful, exits 0 with no tcpdump left behind.
        #expect(Self.stop(podcap), "podcap did not exit within 10 s of SIGTERM")
        #expect(podcap.terminationStatus == 0)
        #expect(probe.tcpdumps().isEmpty, "podcap's graceful shutdown stops every tcpdump")
    }

    /// A kubeconfig file for the binary: the envtest admin kubeconfig, or one naming KubeSim.
    static func kubeconfig(for cluster: TestCluster, in directory: String) async throws -> String {
        if cluster.tier == .envtest { return try await Envtest.shared().kubeconfigPath }
        let sim = try #require(cluster.sim)
        let path = directory + "/kubeconfig"
        try sim.writeKubeconfig(to: path)
        return path
    }

    /// The binary with its log (stderr) in `log`, for reading when the soak fails.
    static func launch(_ arguments: [String], log: String) throws -> Process {
        _ = FileManager.default.createFile(atPath: log, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(RestartTests.binary))
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle(forWritingAtPath: log)
        try process.run()
        return process
    }

    /// SIGTERM, then SIGKILL if it has not exited 10 s later (a failing soak must not hang).
    /// Returns whether it exited by itself.
    @discardableResult
    static func stop(_ process: Process) -> Bool {
        guard process.isRunning else { return true }
        let pid = process.processIdentifier
        let exited = Mutex(false)
        let killed = Mutex(false)
        kill(pid, SIGTERM)
        DispatchQueue.global().asyncAfter(deadline: .now() + 10) {
            // Only while podcap has not been seen to exit, so a reused PID is never hit (short of
            // the instant between Foundation reaping it and the flag being set).
            exited.withLock { done in
                if !done { kill(pid, SIGKILL); killed.withLock { $0 = true } }
            }
        }
        process.waitUntilExit()
        exited.withLock { $0 = true }
        return !killed.withLock { $0 }
    }

    static func printTail(of log: String) {
        let lines = ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n")
        print("podcap log, last 40 of \(lines.count) lines:\n" + lines.suffix(40).joined(separator: "\n"))
    }
}
