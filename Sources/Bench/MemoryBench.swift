import Foundation
import Glibc
import KubeClient
import KubeSim
import PodSandbox
import TestSupport

/// `podcap-bench memory [--envtest PATH] [--pods 5000] [--own-pods 110] [--concurrency 16] [--podcap PATH]`
///
/// The resident memory of `podcap controller` as its own process (the release binary next to
/// this one), against a real kube-apiserver: idle after syncing `--own-pods` Pods on its own
/// Node (none annotated; rss_idle), after `--pods` Pods were created on other Nodes
/// (rss_cluster = the growth), and with 20 more Pods on its own Node of which 5 are annotated
/// (not Running: they stay "waiting", as a Pod without a real container would).
///
/// "Synced" is the controller's own log line after its first list ("no stale capture files in
/// DIR", written by the startup sweep just before the watch opens); each reading then waits for
/// VmRSS to settle (48 samples 250 ms apart, 12 s, within 256 KiB; the largest is reported).
enum MemoryBench {
    static let node = "bench-node"

    static func run(_ arguments: BenchArguments) async throws {
        let script = arguments.string("--envtest", default: "/work/shared/envtest/start.sh")
        let podCount = try arguments.int("--pods", default: 5000)
        let ownPods = try arguments.int("--own-pods", default: 110)
        let busy = try arguments.int("--busy", default: 0)
        let concurrency = try max(1, arguments.int("--concurrency", default: 16))
        let binary = arguments.string("--podcap", default: siblingBinary("podcap"))
        guard FileManager.default.fileExists(atPath: script) else { throw BenchError("no envtest start script at \(script)") }
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw BenchError("""
                no podcap binary at \(binary); build it next to podcap-bench:
                  swift build --scratch-path /work/main/.build-bench -c release --product podcap
                """)
        }
        setenv("PODCAP_ENVTEST", script, 1)
        print("podcap memory: RSS of `podcap controller` (\(binary)) against kube-apiserver v1.20.2 + etcd (envtest)")
        let rows = try await Envtest.withEnvtest { server in
            try await measure(server: server, binary: binary, podCount: podCount, ownPods: ownPods, busy: busy,
                              concurrency: concurrency)
        }
        print("")
        print("  " + BenchFormat.pad("state", 52) + "   VmRSS   VmHWM  RssAnon  RssFile  threads   (MiB)")
        for (label, memory, settled) in rows {
            let cells = [memory.rss, memory.hwm, memory.anon, memory.file].map { kib in
                let text = BenchFormat.mib(kib: kib)
                return String(repeating: " ", count: max(0, 8 - text.count)) + text
            }.joined(separator: " ")
            print("  " + BenchFormat.pad(label, 52) + " " + cells + String(format: "%9ld", memory.threads)
                + (settled ? "" : "   (not settled)"))
        }
        print("""

            Go reference (public solution, watches the whole cluster):
              idle                                   24.7 MB RSS
              5,000 Pods elsewhere in the cluster    70.5 MB RSS
            podcap lists and watches with fieldSelector spec.nodeName=\(node): Pods on other Nodes never reach it.
            """)
    }

    /// `/proc/self/exe`'s directory + `name`.
    static func siblingBinary(_ name: String) -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return name }
        let exe = String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return (exe as NSString).deletingLastPathComponent + "/" + name
    }

    private static func measure(server: EnvtestServer, binary: String, podCount: Int, ownPods: Int, busy: Int,
                                concurrency: Int) async throws -> [(String, BenchMemory, Bool)] {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("podcap-bench-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let client = try KubernetesClient(config: try server.kubeConfig())
        let driver = ClusterDriver(client: client)
        try await driver.createNamespace("bench-elsewhere")
        try await driver.createNamespace("bench-here")
        // The node's own Pods exist before the controller starts: its first list syncs them.
        try await createPods(driver: driver, count: ownPods, concurrency: concurrency, namespace: "bench-here",
                             prefix: "own", node: { _ in node })

        let argv = [binary, "controller", "--node-name", node, "--kubeconfig", server.kubeconfigPath,
                    "--capture-dir", work + "/capture", "--listen", "127.0.0.1:0", "--no-events",
                    "--max-concurrent", String(max(16, busy + 20))]
        print("  $ " + argv.joined(separator: " "))
        let startup = try StartupBench.run(argv: { launch in
            argv.map { $0 == work + "/capture" ? work + "/startup-\(launch)" : $0 }
        })
        let startupStats = BenchStats(startup)
        print("  startup (process start → first list of \(ownPods) Pods done), \(startup.count) launches, ms:"
            + " p50 p90 p99 max mean" + startupStats.columns)
        BenchResults.add(BenchRow(name: "startup", samples: startup, unit: "ms", target: "p50 <= 100") { $0.percentile(50) <= 100 })
        let child: BenchChild
        do {
            child = try BenchChild(argv: argv)
        } catch {
            try? await client.shutdown()
            throw error
        }
        do {
            var rows: [(String, BenchMemory, Bool)] = []
            let launched = ContinuousClock.now
            try await child.waitForOutput(["stale capture files"], timeout: .seconds(30))
            print("  synced (first list done) \(BenchFormat.ms(ContinuousClock.now - launched)) ms after launch")
            let idle = try await BenchMemory.settled(pid: child.pid)
            rows.append(("(a) idle, \(ownPods) Pods on \(node), none annotated", idle.0, idle.settled))
            BenchResults.add(BenchRow(name: "rss_idle", value: Double(idle.0.rss) / 1024, unit: "MiB", target: "<= 13",
                                      pass: Double(idle.0.rss) / 1024 <= 13))

            let created = ContinuousClock.now
            try await createPods(driver: driver, count: podCount, concurrency: concurrency, namespace: "bench-elsewhere",
                                 prefix: "elsewhere", node: { "other-node-\($0 % 50)" })
            let took = ContinuousClock.now - created
            let seconds = Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18
            print(String(format: "  created %ld Pods on 50 other Nodes in %.1f s (%.0f/s, %ld concurrent POSTs)",
                         podCount, seconds, Double(podCount) / max(seconds, 0.001), concurrency))
            let elsewhere = try await BenchMemory.settled(pid: child.pid)
            rows.append(("(b) + \(podCount) Pods on other Nodes", elsewhere.0, elsewhere.settled))
            let growth = Double(elsewhere.0.rss - idle.0.rss) / 1024
            BenchResults.add(BenchRow(name: "rss_cluster", value: growth, unit: "MiB", target: "<= 1", pass: growth <= 1))

            for i in 0..<20 {
                try await driver.createPod(namespace: "bench-here", name: "here-\(i)", node: node,
                                           annotations: i < 5 ? ["tcpdump.antrea.io": "2"] : [:])
            }
            print("  created 20 Pods on \(node), 5 annotated (Pending: they wait for a running container)")
            let own = try await BenchMemory.settled(pid: child.pid)
            rows.append(("(c) + 20 Pods on \(node), 5 annotated", own.0, own.settled))

            if busy > 0 {
                let memory = try await busyCaptures(busy, driver: driver, client: client, controller: child.pid)
                rows.append(("(d) + \(busy) Running sandbox Pods capturing", memory.0, memory.settled))
                let mib = Double(memory.0.rss) / 1024
                BenchResults.add(BenchRow(name: "rss_busy", value: mib, unit: "MiB", target: "<= 20", pass: mib <= 20))
            }

            if child.stderr.contains("error") || child.stderr.contains("critical") {
                print("  controller stderr (tail):\n\(child.tail(8))")
            }
            let (status, exitTook) = await child.terminate()
            print("  SIGTERM → exit status \(status.map(String.init) ?? "?") after \(BenchFormat.ms(exitTook)) ms")
            try? await client.shutdown()
            return rows
        } catch {
            await child.terminate(grace: .seconds(2))
            try? await client.shutdown()
            throw error
        }
    }

    /// `count` sandbox network-namespace Pods, Running on this node and annotated "1": waits
    /// until the controller has a tcpdump child for each, then measures the controller alone
    /// (VmRSS is per process: the tcpdumps are not counted).
    private static func busyCaptures(_ count: Int, driver: ClusterDriver, client: KubernetesClient,
                                     controller: Int32) async throws -> (BenchMemory, settled: Bool) {
        if let reason = SandboxNetwork.unsupportedReason() { throw BenchError("sandbox Pods unavailable: \(reason)") }
        let network = try await SandboxNetwork.create(count: count, options: SandboxOptions(subnet: "10.252.0", namePrefix: "pcmem"))
        do {
            for pod in network.pods {
                let name = "busy-\(pod.index)"
                try await driver.createPod(namespace: "bench-here", name: name, node: node)
                let status: JSONValue = ["status": LatencyBench.runningStatus(pod)]
                _ = try await client.send(.PATCH, path: "/api/v1/namespaces/bench-here/pods/\(name)/status",
                                          body: status.serialized(), contentType: "application/merge-patch+json")
                try await client.patchPodAnnotation(namespace: "bench-here", name: name, key: "tcpdump.antrea.io", value: "1")
            }
            let deadline = ContinuousClock.now + .seconds(60)
            var running = 0
            while ContinuousClock.now < deadline {
                running = children(of: controller, named: "tcpdump")
                if running >= count { break }
                try await Task.sleep(for: .milliseconds(200))
            }
            print("  \(running) tcpdump children of the controller for \(count) annotated Running Pods")
            guard running >= count else { throw BenchError("only \(running) of \(count) captures started") }
            let memory = try await BenchMemory.settled(pid: controller)
            for pod in network.pods {
                _ = try? await client.patchPodAnnotation(namespace: "bench-here", name: "busy-\(pod.index)", key: "tcpdump.antrea.io",
                                                     value: nil)
            }
            while children(of: controller, named: "tcpdump") > 0, ContinuousClock.now < deadline + .seconds(30) {
                try await Task.sleep(for: .milliseconds(200))
            }
            await network.tearDown()
            return memory
        } catch {
            await network.tearDown()
            throw error
        }
    }

    /// Processes whose parent is `parent` and whose comm is `name` (a /proc scan).
    static func children(of parent: Int32, named name: String) -> Int {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return 0 }
        var count = 0
        for entry in entries where entry.first?.isNumber == true {
            guard let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                  let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")") else { continue }
            let comm = stat[stat.index(after: open)..<close]
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if comm == name, fields.count > 1, Int32(fields[1]) == parent { count += 1 }
        }
        return count
    }

    /// POSTs `count` Pods named `prefix-i` on `node(i)`, `concurrency` at a time.
    private static func createPods(driver: ClusterDriver, count: Int, concurrency: Int, namespace: String, prefix: String,
                                   node: @escaping @Sendable (Int) -> String) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func add() {
                let i = next
                next += 1
                group.addTask {
                    try await driver.createPod(namespace: namespace, name: "\(prefix)-\(i)", node: node(i),
                                               labels: ["app": prefix, "shard": String(i % 50)])
                }
            }
            while next < min(concurrency, count) { add() }
            while try await group.next() != nil {
                if next < count { add() }
            }
        }
    }
}
