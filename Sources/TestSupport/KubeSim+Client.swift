import KubeClient
import KubeSim

extension KubeSim {
    /// A configuration that reaches this server with its first token.
    public func clientConfig(token: String? = nil) -> KubeConfig {
        KubeConfig(server: url, token: .literal(token ?? self.token), namespace: "default", source: "kubesim")
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
