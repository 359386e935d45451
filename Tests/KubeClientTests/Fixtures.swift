import Foundation
import KubeClient
import KubeSim
import TestSupport

/// Fast backoff so failure tests take milliseconds, not seconds.
let fastBackoff = BackoffPolicy(initial: .milliseconds(20), maximum: .milliseconds(200), jitter: 0.2)

func watcherOptions(pageSize: Int = 500, timeout: ClosedRange<Int> = 30...30, idle: Duration = .seconds(30),
                    backoff: BackoffPolicy = fastBackoff) -> PodListWatcher.Options {
    PodListWatcher.Options(pageSize: pageSize, timeoutSeconds: timeout, idleTimeout: idle,
                           minHealthyWatch: .milliseconds(100), backoff: backoff)
}

/// A sim, a client to it, and the HTTP driver; everything is shut down afterwards.
func withSimClient<T: Sendable>(
    _ options: KubeSim.Options = KubeSim.Options(),
    clientOptions: KubernetesClient.Options = KubernetesClient.Options(),
    config: ((KubeSim) throws -> KubeConfig)? = nil,
    _ body: (KubeSim, KubernetesClient) async throws -> T
) async throws -> T {
    try await withKubeSim(options) { sim in
        let client = try KubernetesClient(config: try config?(sim) ?? sim.clientConfig(), options: clientOptions)
        do {
            let r = try await body(sim, client)
            try await client.shutdown()
            return r
        } catch {
            try? await client.shutdown()
            throw error
        }
    }
}

/// A client to the shared real API server.
func withEnvtestClient<T: Sendable>(
    _ body: (EnvtestServer, KubernetesClient) async throws -> T
) async throws -> T {
    let server = try await Envtest.shared()
    let client = try KubernetesClient(config: try server.kubeConfig())
    do {
        let r = try await body(server, client)
        try await client.shutdown()
        return r
    } catch {
        try? await client.shutdown()
        throw error
    }
}

func tempDir() throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("podcap-test-\(UUID().uuidString.prefix(8))").path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    return dir
}

func write(_ text: String, to path: String) throws {
    try text.write(toFile: path, atomically: true, encoding: .utf8)
}

/// Runs a command and returns its exit status (used for openssl).
@discardableResult
func shell(_ command: String) throws -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/bash")
    p.arguments = ["-c", command]
    p.standardError = FileHandle.nullDevice
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    return p.terminationStatus
}

/// A CA and a client certificate signed by it, in `dir` (ca.crt, ca.key, client.crt, client.key).
func makeCertificates(in dir: String, caKey: String? = nil, caCert: String? = nil, subject: String = "/CN=podcap-test/O=system:masters") throws {
    let ca = caCert ?? "\(dir)/ca.crt"
    let key = caKey ?? "\(dir)/ca.key"
    if caCert == nil {
        try shell("openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj /CN=test-ca -keyout \(key) -out \(ca)")
    }
    try shell("openssl req -newkey rsa:2048 -nodes -subj '\(subject)' -keyout \(dir)/client.key -out \(dir)/client.csr")
    try shell("openssl x509 -req -in \(dir)/client.csr -CA \(ca) -CAkey \(key) -CAcreateserial -days 2 -out \(dir)/client.crt")
}

/// Runs `body` with a fresh temp directory that is removed afterwards, also when `body` throws.
func withTempDir<T>(_ body: (String) throws -> T) throws -> T {
    let dir = try tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try body(dir)
}

/// The async form of ``withTempDir(_:)``.
func withTempDir<T: Sendable>(_ body: (String) async throws -> T) async throws -> T {
    let dir = try tempDir()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    return try await body(dir)
}

/// Writes an executable script (mode 0755).
func writeScript(_ text: String, to path: String) throws {
    try write(text, to: path)
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: path)
}
