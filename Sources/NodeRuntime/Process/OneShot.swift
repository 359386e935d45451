import Synchronization

/// A value delivered once and awaited by any number of tasks.
final class OneShot<Value: Sendable>: Sendable {
    private struct Waiters {
        var next = 0
        var all: [Int: CheckedContinuation<Value?, Never>] = [:]
    }

    private enum State {
        case pending(Waiters)
        case done(Value)
    }

    private let state = Mutex(State.pending(Waiters()))

    /// Delivers `value`; later calls are ignored. Returns whether this call delivered.
    @discardableResult
    func fulfill(_ value: Value) -> Bool {
        let waiters: Waiters? = state.withLock { state in
            guard case .pending(let waiters) = state else { return nil }
            state = .done(value)
            return waiters
        }
        guard let waiters else { return false }
        for waiter in waiters.all.values { waiter.resume(returning: value) }
        return true
    }

    /// Whether `fulfill` was called.
    var isFulfilled: Bool {
        state.withLock { state in
            if case .done = state { return true }
            return false
        }
    }

    /// The value; waits through cancellation. For outcomes that must not be dropped, such as
    /// a spawn result (dropping it would orphan a running process) or a reap that cleanup awaits.
    var value: Value {
        get async {
            // `nil` only comes from a cancellation handler, which this path does not install.
            await register(cancellable: false)!
        }
    }

    /// The value, or `nil` as soon as the waiting task is cancelled.
    func valueUnlessCancelled() async -> Value? {
        await register(cancellable: true)
    }

    private func register(cancellable: Bool) async -> Value? {
        let id: Int = state.withLock { state in
            guard case .pending(var waiters) = state else { return -1 }
            waiters.next += 1
            state = .pending(waiters)
            return waiters.next
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Value?, Never>) in
                let ready: Value?? = state.withLock { state in
                    switch state {
                    case .done(let value):
                        return .some(value)
                    case .pending(var waiters):
                        if cancellable, Task.isCancelled { return .some(nil) }
                        waiters.all[id] = continuation
                        state = .pending(waiters)
                        return nil
                    }
                }
                if let ready { continuation.resume(returning: ready) }
            }
        } onCancel: {
            guard cancellable else { return }
            let waiter: CheckedContinuation<Value?, Never>? = state.withLock { state in
                guard case .pending(var waiters) = state else { return nil }
                let waiter = waiters.all.removeValue(forKey: id)
                state = .pending(waiters)
                return waiter
            }
            waiter?.resume(returning: nil)
        }
    }
}
