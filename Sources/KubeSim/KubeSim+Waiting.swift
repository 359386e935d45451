import Synchronization
extension KubeSim {
    /// The current change generation (see ``awaitChange(after:timeout:)``).
    var generation: Int { state.withLock { $0.generation } }

    /// Suspends until the generation moves past `generation`, the server shuts down, or `timeout` passes.
    func awaitChange(after generation: Int, timeout: Duration) async {
        guard timeout > .zero else { return }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.suspendUntilChange(after: generation) }
            group.addTask { try? await Task.sleep(for: timeout) }
            await group.next()
            group.cancelAll()
        }
    }

    private func suspendUntilChange(after generation: Int) async {
        let id = state.withLock { s -> UInt64 in
            s.nextWaiter += 1
            return s.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.generation != generation || s.shuttingDown || s.cancelledWaiters.remove(id) != nil {
                        return true
                    }
                    s.waiters[id] = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            let c = state.withLock { s -> CheckedContinuation<Void, Never>? in
                if let c = s.waiters.removeValue(forKey: id) { return c }
                s.cancelledWaiters.insert(id)
                return nil
            }
            c?.resume()
        }
        state.withLock { _ = $0.cancelledWaiters.remove(id) }
    }

    /// Wakes every waiter after a change that is not an object write (request logged, trigger).
    func bump(_ update: (inout SimState) -> Void = { _ in }) {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            update(&s)
            return s.takeWaiters()
        }
        waiters.forEach { $0.resume() }
    }
}
