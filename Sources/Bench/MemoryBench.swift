import Foundation
import Glibc
import KubeClient
import TestSupport

/// `podcap-bench memory [--envtest PATH] [--pods 5000] [--concurrency 16] [--podcap PATH]`
///
/// The resident memory of `podcap controller` as its own process (the release binary next to
/// this one), against a real kube-apiserver: idle with no Pods, after `--pods` Pods were created
/// on other Nodes, and with 20 Pods on its own Node of which 5 are annotated (not Running: they
/// stay "waiting", as a Pod without a real container would).
///
/// "Synced" is the controller's own log line after its first list ("no stale capture files in
/// DIR", written by the startup sweep just before the watch opens); each reading then waits for
/// VmRSS to settle (8 samples 250 ms apart within 256 KiB).
enum MemoryBench {
    static let node = "bench-node"

    static func run(_ arguments: BenchArguments) async throws {
        let script = arguments.string("--envtest", default: "/work/shared/envtest/start.sh")
        let podCount = try arguments.int("--pods", default: 5000)
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
            try await measure(server: server, binary: binary, podCount: podCount, concurrency: concurrency)
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

    private static func measure(server: EnvtestServer, binary: String, podCount: Int,
                                concurrency: Int) async throws -> [(String, BenchMemory, Bool)] {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("podcap-bench-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: work) }
        let client = try KubernetesClient(config: try server.kubeConfig())
        let driver = ClusterDriver(client: client)
        try await driver.createNamespace("bench-elsewhere")
        try await driver.createNamespace("bench-here")

        let argv = [binary, "controller", "--node-name", node, "--kubeconfig", server.kubeconfigPath,
                    "--capture-dir", work + "/capture", "--listen", "127.0.0.1:0", "--no-events"]
        print("  $ " + argv.joined(separator: " "))
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
            rows.append(("(a) idle, 0 Pods", idle.0, idle.settled))

            let created = ContinuousClock.now
            try await createPods(driver: driver, count: podCount, concurrency: concurrency)
            let took = ContinuousClock.now - created
            let seconds = Double(took.components.seconds) + Double(took.components.attoseconds) / 1e18
            print(String(format: "  created %ld Pods on 50 other Nodes in %.1f s (%.0f/s, %ld concurrent POSTs)",
                         podCount, seconds, Double(podCount) / max(seconds, 0.001), concurrency))
            let elsewhere = try await BenchMemory.settled(pid: child.pid)
            rows.append(("(b) + \(podCount) Pods on other Nodes", elsewhere.0, elsewhere.settled))

            for i in 0..<20 {
                try await driver.createPod(namespace: "bench-here", name: "here-\(i)", node: node,
                                           annotations: i < 5 ? ["tcpdump.antrea.io": "2"] : [:])
            }
            print("  created 20 Pods on \(node), 5 annotated (Pending: they wait for a running container)")
            let own = try await BenchMemory.settled(pid: child.pid)
            rows.append(("(c) + 20 Pods on \(node), 5 annotated", own.0, own.settled))

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

    /// POSTs `count` Pods spread over 50 other Nodes, `concurrency` at a time.
    private static func createPods(driver: ClusterDriver, count: Int, concurrency: Int) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            func add() {
                let i = next
                next += 1
                group.addTask {
                    try await driver.createPod(namespace: "bench-elsewhere", name: "elsewhere-\(i)", node: "other-node-\(i % 50)",
                                               labels: ["app": "elsewhere", "shard": String(i % 50)])
                }
            }
            while next < min(concurrency, count) { add() }
            while try await group.next() != nil {
                if next < count { add() }
            }
        }
    }
}
