import Synchronization

/// A one-shot signal carrying the reason a capture must stop (or complete); any number of waiters.
final class StopSignal<Reason: Sendable>: Sendable {
    private struct State {
        var reason: Reason?
        var waiters: [Int: CheckedContinuation<Reason?, Never>] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    /// The reason, once `fire` was called.
    var reason: Reason? { state.withLock { $0.reason } }

    /// Sets the reason (the first one wins) and wakes every waiter.
    func fire(_ reason: Reason) {
        let waiters = state.withLock { s -> [CheckedContinuation<Reason?, Never>] in
            guard s.reason == nil else { return [] }
            s.reason = reason
            defer { s.waiters.removeAll() }
            return Array(s.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: reason) }
    }

    /// The reason once fired; `nil` if the waiting task is cancelled first.
    func wait() async -> Reason? {
        let id = state.withLock { s in
            defer { s.nextID += 1 }
            return s.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Reason?, Never>) in
                let now: Reason?? = state.withLock { s in
                    if let reason = s.reason { return .some(reason) }
                    if Task.isCancelled { return .some(nil) }
                    s.waiters[id] = continuation
                    return .none
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: nil)
        }
    }
}
