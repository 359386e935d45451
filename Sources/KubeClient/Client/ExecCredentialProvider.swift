#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Synchronization

/// Runs an exec credential plugin when needed and caches what it returns.
///
/// The credential is kept until its `expirationTimestamp` (or, without one, until the server
/// answers 401); concurrent requests that find no valid credential share one run of the plugin.
final class ExecCredentialProvider: Sendable {
    private struct State {
        var cached: ExecCredential?
        var running: Task<Result<ExecCredential, KubeConfigError>, Never>?
        var runs = 0
    }

    let plugin: KubeConfig.ExecPlugin
    private let execInfo: String
    private let timeout: Duration
    private let now: @Sendable () -> Date
    private let state = Mutex(State())

    init(plugin: KubeConfig.ExecPlugin, config: KubeConfig, timeout: Duration, now: @escaping @Sendable () -> Date = { Date() }) {
        self.plugin = plugin
        self.execInfo = ExecInfo(plugin: plugin, config: config).json
        self.timeout = timeout
        self.now = now
    }

    /// How many times the plugin was started (for tests and logs).
    var runCount: Int { state.withLock { $0.runs } }

    /// A valid credential: the cached one, or a fresh one from the plugin.
    func credential() async throws(KubeConfigError) -> ExecCredential {
        let current = now()
        let task = state.withLock { s -> Task<Result<ExecCredential, KubeConfigError>, Never>? in
            if let cached = s.cached, !cached.isExpired(at: current) { return nil }
            if let running = s.running { return running }
            s.runs += 1
            let task = Task { [plugin, execInfo, timeout] in
                await Self.fetch(plugin, execInfo: execInfo, timeout: timeout)
            }
            s.running = task
            return task
        }
        guard let task else {
            // Re-read under the lock: only the branch above returns nil, with a valid cache.
            if let cached = state.withLock({ $0.cached }) { return cached }
            return try await credential()
        }
        let result = await task.value
        state.withLock { s in
            if s.running == task {
                s.running = nil
                if case .success(let credential) = result { s.cached = credential }
            }
        }
        return try result.get()
    }

    /// After a 401: forget the credential that was sent, so the next request runs the plugin.
    /// A newer credential (another request already refreshed it) is kept.
    func invalidate(sent: ExecCredential?) {
        state.withLock { s in
            if sent == nil || s.cached == sent { s.cached = nil }
        }
    }

    private static func fetch(
        _ plugin: KubeConfig.ExecPlugin, execInfo: String, timeout: Duration
    ) async -> Result<ExecCredential, KubeConfigError> {
        let output: [UInt8]
        switch await ExecPluginRunner.run(plugin, execInfo: execInfo, timeout: timeout) {
        case .success(let bytes): output = bytes
        case .failure(let reason):
            return .failure(.execPluginFailed(path: plugin.source, field: plugin.field, reason: reason.description))
        }
        do {
            return .success(try ExecCredential.parse(output, apiVersion: plugin.apiVersion))
        } catch {
            return .failure(.execPluginFailed(path: plugin.source, field: plugin.field, reason: error.description))
        }
    }
}
