import Foundation
import Glibc
import KubeClient
import Synchronization

/// A running real kube-apiserver + etcd started by `../shared/envtest/start.sh`.
public struct EnvtestServer: Sendable {
    /// State directory (removed on stop).
    public var dir: String
    /// `https://127.0.0.1:<port>`.
    public var server: String
    /// CA certificate path.
    public var caPath: String
    /// Admin (system:masters) bearer token.
    public var token: String
    /// Admin kubeconfig path.
    public var kubeconfigPath: String
    /// etcd client URL.
    public var etcd: String

    /// An admin configuration with CA verification.
    public func kubeConfig() throws -> KubeConfig {
        try KubeConfig.fromKubeconfig(path: kubeconfigPath)
    }

    /// Compacts etcd at its current revision, so watches from older resourceVersions get 410.
    public func compactEtcd() async throws {
        let status = try await Envtest.run("/usr/bin/env", ["etcdctl", "--endpoints", etcd, "endpoint", "status", "-w", "json"],
                                           environment: ["ETCDCTL_API": "3"])
        guard let range = status.range(of: "\"revision\":") else {
            throw EnvtestError.unexpectedOutput("etcdctl endpoint status", status)
        }
        let digits = status[range.upperBound...].prefix { $0.isNumber }
        _ = try await Envtest.run("/usr/bin/env", ["etcdctl", "--endpoints", etcd, "compact", String(digits)],
                                  environment: ["ETCDCTL_API": "3"])
    }
}

/// Why the envtest tier could not be used.
public enum EnvtestError: Error, CustomStringConvertible {
    case notEnabled
    case commandFailed(String, Int32, String)
    case unexpectedOutput(String, String)

    public var description: String {
        switch self {
        case .notEnabled: return "PODCAP_ENVTEST is not set"
        case .commandFailed(let c, let code, let err): return "\(c) exited \(code): \(err)"
        case .unexpectedOutput(let c, let out): return "\(c): unexpected output: \(out)"
        }
    }
}

/// Launcher of the real-API-server test tier, selected by `PODCAP_ENVTEST=<path to start.sh>`
/// (as controller-runtime's envtest is selected by KUBEBUILDER_ASSETS).
public enum Envtest {
    /// The start script named by `PODCAP_ENVTEST`, if set.
    public static var startScript: String? {
        ProcessInfo.processInfo.environment["PODCAP_ENVTEST"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `true` when the real tier should run. Prints the skip reason once when it should not.
    public static var isEnabled: Bool {
        if startScript != nil { return true }
        printSkipReasonOnce()
        return false
    }

    private static let printedSkip = Mutex(false)
    private static func printSkipReasonOnce() {
        let first = printedSkip.withLock { p -> Bool in
            defer { p = true }
            return !p
        }
        if first {
            print("note: real kube-apiserver tests skipped: set PODCAP_ENVTEST=/path/to/shared/envtest/start.sh to run them")
        }
    }

    /// Starts a new server in a fresh temp directory. Prefer ``withEnvtest(apiserverArgs:_:)``.
    public static func start(apiserverArgs: String? = nil) async throws -> EnvtestServer {
        guard let script = startScript else { throw EnvtestError.notEnabled }
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("podcap-envtest-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        registry.withLock { _ = $0.insert(dir) }
        registerAtExit()
        var env: [String: String] = [:]
        if let apiserverArgs { env["ENVTEST_APISERVER_ARGS"] = apiserverArgs }
        let output: String
        do {
            output = try await run("/bin/bash", [script, dir], environment: env)
        } catch {
            await stop(dir: dir)
            throw error
        }
        var vars: [String: String] = [:]
        for line in output.split(separator: "\n") where line.hasPrefix("export ") {
            let kv = line.dropFirst(7).split(separator: "=", maxSplits: 1)
            if kv.count == 2 { vars[String(kv[0])] = String(kv[1]) }
        }
        guard let server = vars["ENVTEST_SERVER"], let ca = vars["ENVTEST_CA"], let token = vars["ENVTEST_TOKEN"],
              let kubeconfig = vars["KUBECONFIG"], let etcd = vars["ENVTEST_ETCD"]
        else {
            await stop(dir: dir)
            throw EnvtestError.unexpectedOutput("start.sh", output)
        }
        return EnvtestServer(dir: dir, server: server, caPath: ca, token: token, kubeconfigPath: kubeconfig, etcd: etcd)
    }

    /// Stops the server and deletes its directory.
    public static func stop(_ server: EnvtestServer) async {
        await stop(dir: server.dir)
    }

    static func stop(dir: String) async {
        guard let script = startScript else { return }
        let stopScript = (script as NSString).deletingLastPathComponent + "/stop.sh"
        _ = try? await run("/bin/bash", [stopScript, dir, "--wipe"], environment: [:])
        try? FileManager.default.removeItem(atPath: dir)
        registry.withLock { _ = $0.remove(dir) }
    }

    /// Runs `body` with a dedicated server that is stopped afterwards, even when `body` throws.
    public static func withEnvtest<T: Sendable>(
        apiserverArgs: String? = nil, _ body: (EnvtestServer) async throws -> T
    ) async throws -> T {
        let server = try await start(apiserverArgs: apiserverArgs)
        do {
            let result = try await body(server)
            await stop(server)
            return result
        } catch {
            await stop(server)
            throw error
        }
    }

    /// One server shared by all tests of the process, started on first use and stopped at exit.
    public static func shared() async throws -> EnvtestServer {
        try await sharedInstance.get()
    }

    private static let sharedInstance = SharedEnvtest()

    // MARK: cleanup at exit

    /// Every directory with a possibly running server, for the exit handler.
    private static let registry = Mutex(Set<String>())
    private static let atExitRegistered = Mutex(false)

    private static func registerAtExit() {
        let first = atExitRegistered.withLock { r -> Bool in
            defer { r = true }
            return !r
        }
        // The test runner exits without tearing down shared fixtures; atexit makes sure no
        // kube-apiserver or etcd outlives `swift test`.
        if first { atexit { Envtest.stopAllSynchronously() } }
    }

    static func stopAllSynchronously() {
        guard let script = startScript else { return }
        let stopScript = (script as NSString).deletingLastPathComponent + "/stop.sh"
        let dirs = registry.withLock { $0 }
        for dir in dirs {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/bash")
            p.arguments = [stopScript, dir, "--wipe"]
            try? p.run()
            p.waitUntilExit()
            try? FileManager.default.removeItem(atPath: dir)
        }
    }

    // MARK: processes

    /// Runs a command to completion without blocking a concurrency thread; returns stdout.
    ///
    /// Output goes to files, not pipes: start.sh leaves etcd and kube-apiserver running, and a pipe
    /// inherited by them would never reach end-of-file.
    static func run(_ executable: String, _ args: [String], environment: [String: String]) async throws -> String {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("podcap-run-\(UUID().uuidString)").path
        _ = FileManager.default.createFile(atPath: base + ".out", contents: nil)
        _ = FileManager.default.createFile(atPath: base + ".err", contents: nil)
        defer {
            try? FileManager.default.removeItem(atPath: base + ".out")
            try? FileManager.default.removeItem(atPath: base + ".err")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = args
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardOutput = FileHandle(forWritingAtPath: base + ".out")
        process.standardError = FileHandle(forWritingAtPath: base + ".err")
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let pid = process.processIdentifier
        // Reap on a dedicated thread with waitpid: Foundation's termination handler was seen never to
        // fire in the test process (another library's child monitoring), leaving start.sh a zombie.
        let code: Int32 = await withCheckedContinuation { c in
            let thread = Thread {
                var status: Int32 = 0
                let r = waitpid(pid, &status, 0)
                if r == pid {
                    c.resume(returning: (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f))
                } else {
                    process.waitUntilExit()
                    c.resume(returning: process.terminationStatus)
                }
            }
            thread.start()
        }
        let stdout = (try? String(contentsOfFile: base + ".out", encoding: .utf8)) ?? ""
        let stderr = (try? String(contentsOfFile: base + ".err", encoding: .utf8)) ?? ""
        if code != 0 { throw EnvtestError.commandFailed(([executable] + args).joined(separator: " "), code, stderr + stdout) }
        return stdout
    }
}

/// Starts the shared server once, whatever number of tests ask concurrently.
private actor SharedEnvtest {
    private var starting: Task<EnvtestServer, any Error>?

    func get() async throws -> EnvtestServer {
        if let starting { return try await starting.value }
        // A Task (not a direct await) so concurrent callers share one start.
        let task = Task { try await Envtest.start() }
        starting = task
        return try await task.value
    }
}
