import Actors
import Controller
import Foundation
import KubeClient
import NodeRuntime
import Pcap
import PodSandbox
import TestSupport
import Testing

/// Real tcpdump in real network namespaces, driven by the real controller through an API
/// server: the whole product on this machine.
@Suite("end to end: real tcpdump in network-namespace Pods", .serialized)
struct RealCaptureTests {
    static let unsupported: String? = {
        let reason = SandboxNetwork.unsupportedReason()
        if let reason { print("skipping real-capture end-to-end tests: \(reason)") }
        return reason
    }()

    @Test("annotate → capture → change N → remove, another Pod untouched; kill and restart", .enabled(if: unsupported == nil),
          arguments: APITier.available)
    func fullCycle(tier: APITier) async throws {
        try await withSandboxPods(count: 3, options: SandboxOptions(subnet: "10.251.0", namePrefix: "podcap-e2e")) { pods in
            try await TestCluster.with(tier) { cluster in
                try await run(cluster: cluster, pods: pods)
            }
        }
        #expect(Self.tcpdumpsWriting(into: "/tmp/podcap-e2e-").isEmpty, "no tcpdump may outlive the test")
    }

    private func run(cluster: TestCluster, pods: [SandboxPod]) async throws {
        let node = TestNames.unique("node")
        try await cluster.createRunningPods(["alpha", "beta", "gamma"], on: node, backedBy: pods)
        // A Pod whose container matches no process on this node.
        try await cluster.driver.createPod(namespace: cluster.namespace, name: "ghost", node: node)
        try await cluster.setRunning("ghost", containerID: "containerd://" + String(repeating: "ab", count: 32), podIP: "10.251.0.99")

        let directory = try TestDirectory(prefix: "podcap-e2e")
        defer { directory.remove() }
        let settings = CaptureSettings(directory: directory.path)
        let waiter = CaptureReportWaiter()
        var configuration = ControllerConfiguration(nodeName: node, kube: cluster.config, settings: settings, grace: .seconds(3))
        configuration.listen = "127.0.0.1:0"
        configuration.backoff = RestartBackoff(initial: .milliseconds(200), cap: .seconds(2))
        let plan = { (name: String, n: Int) in
            CapturePlan(pod: PodRef(namespace: cluster.namespace, name: name, uid: ""), fileCount: n, settings: settings)
        }

        try await withController(configuration, waiter: waiter) {
            // Annotate alpha and beta; within 2 s tcpdump runs inside each Pod's namespace.
            var mark = waiter.mark
            let annotated = ContinuousClock.now
            try await cluster.annotate("alpha", "3")
            try await cluster.annotate("beta", "2")
            let alphaPID = try await waiter.waitForStart(of: "alpha", since: mark, timeout: .seconds(2))
            let betaPID = try await waiter.waitForStart(of: "beta", since: mark, timeout: .seconds(2))
            #expect(ContinuousClock.now - annotated < .seconds(2))
            #expect(Self.netnsInode(alphaPID) == pods[0].netnsInode)
            #expect(Self.netnsInode(betaPID) == pods[1].netnsInode)

            // Traffic from gamma to alpha, read back mid-capture (valid thanks to -U).
            let replies = try await Traffic.ping(from: pods[2], to: pods[0], count: 5)
            let sent = try await Traffic.sendUDP(from: pods[2], to: pods[0], count: 200, payloadSize: 800)
            #expect(replies == 5)
            // The kernel hands packets to tcpdump per ring block (at most ~1 s later); -U then
            // writes each one. There is no notification for "written", so re-read until then.
            var live = try PcapReader.summarize(path: plan("alpha", 3).filePaths[0])
            try await cluster.eventually(timeout: .seconds(5), "alpha's packets on disk") {
                live = try PcapReader.summarize(path: plan("alpha", 3).filePaths[0])
                return live.packets >= 5 + 5 + sent
            }
            #expect(live.packets >= 5 + 5 + sent, "pings, replies and datagrams all captured")
            #expect(!live.truncated)
            #expect(live.ipv4Addresses.isSuperset(of: [pods[0].ipv4, pods[2].ipv4]))
            #expect(live.ipv4Addresses.isDisjoint(with: [pods[1].ipv4]), "only alpha's traffic is in alpha's capture")

            // The ghost Pod is reported as waiting, and nothing crashes.
            mark = waiter.mark
            try await cluster.annotate("ghost", "1")
            let ghost = try await waiter.next(since: mark) { $0.pod.name == "ghost" }
            guard case .waiting(let why, _) = ghost.change else { Issue.record("ghost: \(ghost.change)"); return }
            #expect(why.contains("abababab"))

            // Change N: the old capture stops and its files go before the new one starts.
            mark = waiter.mark
            try await cluster.annotate("alpha", "4")
            let deleted = try await waiter.waitForStop(of: "alpha", since: mark)
            #expect(deleted == [plan("alpha", 3).filePaths[0]])
            let alphaPID2 = try await waiter.waitForStart(of: "alpha", since: mark)
            #expect(alphaPID2 != alphaPID)
            #expect(!Self.isAlive(alphaPID))
            let fresh = try PcapReader.summarize(path: plan("alpha", 4).filePaths[0])
            #expect(fresh.packets < live.packets, "the new capture starts empty, not appended to the old one")

            // tcpdump killed from outside: reported and restarted.
            mark = waiter.mark
            kill(betaPID, SIGKILL)
            let failed = try await waiter.next(since: mark) { $0.pod.name == "beta" }
            guard case .failed(let reason, _, 1) = failed.change else { Issue.record("beta: \(failed.change)"); return }
            #expect(reason == "tcpdump was killed by signal 9")
            let restarted = try await waiter.next(since: mark) { r in
                if case .started(_, _, _, 2) = r.change { return r.pod.name == "beta" }
                return false
            }
            guard case .started(let betaPID2, _, _, _) = restarted.change else { return }
            #expect(Self.netnsInode(betaPID2) == pods[1].netnsInode)

            // Remove alpha's annotation: within 2 s no tcpdump and no file of alpha; beta untouched.
            let betaFilesBefore = plan("beta", 2).filePaths.filter { FileManager.default.fileExists(atPath: $0) }
            mark = waiter.mark
            let removed = ContinuousClock.now
            try await cluster.annotate("alpha", nil)
            let gone = try await waiter.waitForStop(of: "alpha", since: mark, timeout: .seconds(2))
            #expect(ContinuousClock.now - removed < .seconds(2))
            #expect(!gone.isEmpty)
            #expect(!Self.isAlive(alphaPID2))
            #expect(plan("alpha", 4).filePaths.allSatisfy { !FileManager.default.fileExists(atPath: $0) })
            #expect(Self.isAlive(betaPID2), "beta's capture keeps running")
            #expect(betaFilesBefore.allSatisfy { FileManager.default.fileExists(atPath: $0) })

            // Stop beta and check its final file is complete pcap (no truncated record).
            let betaFile = plan("beta", 2).filePaths[0]
            mark = waiter.mark
            try await cluster.annotate("beta", nil)
            _ = try await waiter.waitForStop(of: "beta", since: mark)
            #expect(!FileManager.default.fileExists(atPath: betaFile))
        }
    }

    static func netnsInode(_ pid: Int32) -> UInt64? {
        var info = stat()
        return stat("/proc/\(pid)/ns/net", &info) == 0 ? UInt64(info.st_ino) : nil
    }

    static func isAlive(_ pid: Int32) -> Bool { OrphanCaptureReaper.isAlive(pid) }

    /// tcpdump processes writing below `prefix`, found by their argv.
    static func tcpdumpsWriting(into prefix: String) -> [Int32] {
        OrphanCaptureReaper(directory: "").orphans(matching: prefix)
    }
}

/// A unique directory under /tmp, removed by `remove()`.
struct TestDirectory {
    let path: String
    init(prefix: String) throws {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { throw ClusterWaitError(what: "mkdtemp") }
        path = String(cString: made)
    }
    func remove() { try? FileManager.default.removeItem(atPath: path) }
}
