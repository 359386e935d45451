import Actors
import KubeModel
import Synchronization

/// Runs `upstream`, handing the first full list (`.resynced`) to `body` once, before the event
/// is emitted downstream: the hook both start-up sweeps hang on.
func runWithFirstList(_ upstream: any PodSource, emit: @Sendable (PodEvent) async throws -> Void,
                      _ body: @escaping @Sendable ([Pod]) -> Void) async throws {
    let firstList = OnceFlag()
    try await upstream.run { event in
        if case .resynced(let pods) = event, firstList.claim() {
            body(pods)
        }
        try await emit(event)
    }
}

/// Once-only flag: `claim()` is true the first time only.
private final class OnceFlag: Sendable {
    private let done = Mutex(false)
    func claim() -> Bool { done.withLock { was in defer { was = true }; return !was } }
}
