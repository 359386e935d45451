#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeClient
import KubeSim

extension KubeSim {
    /// A configuration that reaches this server with its first token.
    public func clientConfig(token: String? = nil) -> KubeConfig {
        KubeConfig(server: url, token: .literal(token ?? self.token), namespace: "default", source: "kubesim")
    }

    /// Writes a kubeconfig file that reaches this server with its first token, for a `podcap`
    /// binary started by a test.
    public func writeKubeconfig(to path: String) throws {
        try """
            apiVersion: v1
            kind: Config
            clusters: [{name: sim, cluster: {server: "\(url)"}}]
            users: [{name: sim, user: {token: "\(token)"}}]
            contexts: [{name: sim, context: {cluster: sim, user: sim}}]
            current-context: sim
            """.write(toFile: path, atomically: true, encoding: .utf8)
    }
}

/// Runs a ``PodSource`` in a child task while `body` runs, then cancels it.
///
/// Errors thrown by the source (other than cancellation) are rethrown after `body` returns.
public func withRunningSource<T: Sendable>(
    _ source: some PodSource, into collector: EventCollector, _ body: () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await source.run(emit: collector.append) }
        do {
            let result = try await body()
            group.cancelAll()
            try await group.waitForAll()
            return result
        } catch {
            group.cancelAll()
            throw error
        }
    }
}
