import Synchronization

/// A one-shot signal carrying the reason a capture must stop; any number of waiters.
final class StopSignal: Sendable {
    private struct State {
        var reason: CaptureReport.StopReason?
        var waiters: [Int: CheckedContinuation<CaptureReport.StopReason?, Never>] = [:]
        var nextID = 0
    }

    private let state = Mutex(State())

    /// The reason, once `fire` was called.
    var reason: CaptureReport.StopReason? { state.withLock { $0.reason } }

    /// Sets the reason (the first one wins) and wakes every waiter.
    func fire(_ reason: CaptureReport.StopReason) {
        let waiters = state.withLock { s -> [CheckedContinuation<CaptureReport.StopReason?, Never>] in
            guard s.reason == nil else { return [] }
            s.reason = reason
            defer { s.waiters.removeAll() }
            return Array(s.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: reason) }
    }

    /// The reason once fired; `nil` if the waiting task is cancelled first.
    func wait() async -> CaptureReport.StopReason? {
        let id = state.withLock { s in
            defer { s.nextID += 1 }
            return s.nextID
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<CaptureReport.StopReason?, Never>) in
                let now: CaptureReport.StopReason?? = state.withLock { s in
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
