import Actors
import Controller
import Foundation
import KubeClient
import KubeSim
import Logging
import NodeRuntime
import PodSandbox
import Synchronization
import TestSupport
import Testing

/// The fault matrix of issue 12 (docs/reliability.md): every suite in this folder, so
/// `swift test --filter Reliability` runs exactly them.
enum Reliability {
    /// The suites that load the machine (real tcpdumps, up to 20 namespaces, floods), one at a
    /// time: run side by side on 2 cores they starved the timing-bound tests elsewhere in
    /// `swift test` (RealCaptureTests' 2 s start). The outage suite stays outside: it idles.
    @Suite(.serialized) enum Serial {}
}

/// The fault matrix's bench: sandbox Pods (real network namespaces), an API server, and the
/// real controller in-process with the real `TcpdumpRuntime`, so every fault is checked against
/// real tcpdump processes and real files.
struct FaultRig: Sendable {
    let cluster: TestCluster
    let pods: [SandboxPod]
    /// Kubernetes Pod names, one per sandbox Pod: `p0`, `p1`, ….
    let names: [String]
    let node: String
    let settings: CaptureSettings
    let waiter: CaptureReportWaiter
    let logs: LogCapture
    let port: Int

    var sim: KubeSim { get throws { try #require(cluster.sim, "this fault needs KubeSim") } }
    var directory: String { settings.directory }

    static var unsupported: String? { RealCaptureTests.unsupported }

    /// Builds the bench, runs `body` with the controller running, then cancels it and checks
    /// that no tcpdump is left writing into the capture directory, whatever `body` did.
    static func with(
        pods count: Int, tier: APITier = .kubesim, annotations: [String: String] = ["tcpdump.antrea.io": "2"],
        directory given: String? = nil, runtime: (any CaptureRuntime)? = nil,
        configure: (inout ControllerConfiguration, TestCluster) throws -> Void = { _, _ in },
        _ body: (FaultRig) async throws -> Void
    ) async throws {
        try await withSandboxPods(count: count, options: SandboxOptions(subnet: "10.253.0", namePrefix: "podcap-flt")) { pods in
            try await TestCluster.with(tier) { cluster in
                let node = TestNames.unique("node")
                let names = (0..<count).map { "p\($0)" }
                try await cluster.createRunningPods(names, on: node, backedBy: pods, annotations: annotations)
                let scratch = try TestDirectory(prefix: "podcap-flt")
                defer { scratch.remove() }
                let settings = CaptureSettings(directory: given ?? scratch.path + "/capture")
                var configuration = ControllerConfiguration(nodeName: node, kube: cluster.config, settings: settings,
                                                            grace: .seconds(3))
                configuration.listen = "127.0.0.1:0"
                configuration.backoff = RestartBackoff(initial: .milliseconds(200), cap: .seconds(2))
                try configure(&configuration, cluster)
                let logs = LogCapture()
                let waiter = CaptureReportWaiter()
                let listening = ListeningPort()
                defer {
                    // Whatever happened, nothing may keep writing here once the controller is gone.
                    for pid in OrphanCaptureReaper(directory: settings.directory).orphans() { kill(pid, SIGKILL) }
                }
                try await withLoggingController(configuration, runtime: runtime, waiter: waiter, logs: logs, endpoint: listening) {
                    let port = await listening.value
                    guard port > 0 else { throw ClusterWaitError(what: "the controller's endpoint: it failed to start") }
                    let rig = FaultRig(cluster: cluster, pods: pods, names: names, node: node, settings: settings,
                                       waiter: waiter, logs: logs, port: port)
                    try await body(rig)
                }
                #expect(OrphanCaptureReaper(directory: settings.directory).orphans().isEmpty,
                        "no tcpdump may outlive the controller")
            }
        }
    }

    // MARK: what is running

    /// Live tcpdump processes writing into the capture directory, by the Pod whose network
    /// namespace each one is in (a process in no sandbox namespace is listed under `"?"`).
    func tcpdumps() -> [String: [Int32]] {
        var out: [String: [Int32]] = [:]
        for pid in OrphanCaptureReaper(directory: directory).orphans() where OrphanCaptureReaper.isAlive(pid) {
            let inode = RealCaptureTests.netnsInode(pid)
            let name = pods.firstIndex { $0.netnsInode == inode }.map { names[$0] } ?? "?"
            out[name, default: []].append(pid)
        }
        return out
    }

    /// Waits until exactly one tcpdump runs in each `desired` Pod's namespace and none anywhere
    /// else, each one reported started (tcpdump printed `listening on`, so the capture is
    /// running, not still starting), and returns the PID per Pod. One resync is bounded by `timeout`.
    @discardableResult
    func converged(on desired: Set<String>, timeout: Duration = .seconds(15), _ what: String) async throws -> [String: Int32] {
        var now: [String: [Int32]] = [:]
        do {
            try await cluster.eventually(timeout: timeout, what) {
                now = tcpdumps()
                guard Set(now.keys) == desired, now.values.allSatisfy({ $0.count == 1 }) else { return false }
                let started = Set(waiter.reports.compactMap { r -> Int32? in
                    if case .started(let pid, _, _, _) = r.change { return pid }
                    return nil
                })
                return now.values.allSatisfy { started.contains($0[0]) }
            }
        } catch {
            Issue.record("\(what): tcpdumps by Pod \(now), wanted one in each of \(desired.sorted())")
            throw error
        }
        return now.mapValues { $0[0] }
    }

    /// The capture files on disk now.
    func files() -> Set<String> {
        Set((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix("capture-") }
    }

    /// The files a Pod's capture owns (`capture-<name>.pcap…`).
    func files(of name: String) -> Set<String> { files().filter { $0.hasPrefix("capture-\(name).pcap") } }

    // MARK: counters

    /// `/metrics` now.
    func metrics() async throws -> PrometheusText {
        try PrometheusText(try await HTTPProbe.get(port: port, "/metrics").body)
    }

    /// A counter's value now (0 when it has no sample yet).
    func counter(_ name: String, _ labels: [String: String] = [:]) async throws -> Double {
        try await metrics().value(name, labels) ?? 0
    }

    /// Waits until the counter reaches `atLeast`, and returns it.
    @discardableResult
    func counter(_ name: String, atLeast: Double, timeout: Duration = .seconds(15)) async throws -> Double {
        var value = 0.0
        try await cluster.eventually(timeout: timeout, "\(name) ≥ \(atLeast)") {
            value = try await counter(name)
            return value >= atLeast
        }
        return value
    }

    func annotate(_ index: Int, _ value: String?) async throws { try await cluster.annotate(names[index], value) }
}

/// Runs the controller in-process with its log captured by `logs` (and printed when
/// `PODCAP_TEST_LOG` names a level), then cancels it.
func withLoggingController<T: Sendable>(
    _ configuration: ControllerConfiguration, runtime: (any CaptureRuntime)? = nil, waiter: CaptureReportWaiter,
    logs: LogCapture, endpoint: ListeningPort,
    _ body: () async throws -> T
) async throws -> T {
    let echo = ProcessInfo.processInfo.environment["PODCAP_TEST_LOG"].flatMap { Logger.Level(rawValue: $0) }
    var logger = Logger(label: "podcap.test") { _ in LogCapture.Handler(capture: logs, echo: echo) }
    logger.logLevel = min(echo ?? .info, .info)
    return try await withController(configuration, runtime: runtime, waiter: waiter, endpoint: endpoint, logger: logger, body)
}

/// Every line the controller logged, for assertions on what an operator would read.
final class LogCapture: Sendable {
    struct Line: Sendable {
        var level: Logger.Level
        var message: String
    }

    private let lines = Mutex<[Line]>([])

    var all: [Line] { lines.withLock { $0 } }

    func messages(containing text: String) -> [String] { all.map(\.message).filter { $0.contains(text) } }

    struct Handler: LogHandler {
        let capture: LogCapture
        let echo: Logger.Level?
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .info

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            // Metadata included: the ENOSPC line names the captures it affects there.
            let text = event.message.description + (event.metadata.map { $0.isEmpty ? "" : " \($0)" } ?? "")
            capture.lines.withLock { $0.append(Line(level: event.level, message: text)) }
            if let echo, event.level >= echo { print("[\(event.level)] \(text)") }
        }
    }
}

/// A tmpfs of `size` on a unique directory, unmounted (lazily, should a process still hold it)
/// and removed after `body`, also when it throws.
func withTmpfs<T: Sendable>(size: String, _ body: (String) async throws -> T) async throws -> T {
    let directory = try TestDirectory(prefix: "podcap-tmpfs")
    guard mount("tmpfs", directory.path, "tmpfs", 0, "size=\(size),mode=0755") == 0 else {
        directory.remove()
        throw ClusterWaitError(what: "mount tmpfs on \(directory.path): \(String(cString: strerror(errno)))")
    }
    defer {
        umount2(directory.path, Int32(MNT_DETACH))
        directory.remove()
    }
    return try await body(directory.path)
}
