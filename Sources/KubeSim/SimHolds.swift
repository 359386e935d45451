import Synchronization

/// A gate that holds matching requests before KubeSim serves them, until the test releases it:
/// the way to have a write "in flight" at an exact moment (e.g. when a shutdown begins).
public final class RequestHold: Sendable {
    let method: String
    let pathContains: String
    private let state = Mutex<(held: Int, released: Bool, gate: [CheckedContinuation<Void, Never>],
                               arrivals: [CheckedContinuation<Void, Never>])>((0, false, [], []))

    init(method: String, pathContains: String) {
        self.method = method
        self.pathContains = pathContains
    }

    func matches(method: String, path: String) -> Bool { method == self.method && path.contains(pathContains) }

    /// Parks the request until ``release()``.
    func hold() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let (pass, arrivals) = state.withLock { s -> (Bool, [CheckedContinuation<Void, Never>]) in
                s.held += 1
                defer { s.arrivals = [] }
                if s.released { return (true, s.arrivals) }
                s.gate.append(continuation)
                return (false, s.arrivals)
            }
            for arrival in arrivals { arrival.resume() }
            if pass { continuation.resume() }
        }
    }

    /// Returns once a matching request has arrived (and is held, unless released already).
    public func arrived() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLock { s -> Bool in
                if s.held > 0 { return true }
                s.arrivals.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }

    /// Lets every held and later matching request through.
    public func release() {
        let gate = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.released = true
            defer { s.gate = [] }
            return s.gate
        }
        for waiter in gate { waiter.resume() }
    }
}

extension KubeSim {
    /// Holds every request with `method` whose path contains `pathContains` until the returned
    /// gate is released. Release it before ``shutdown()``.
    public func holdRequests(method: String, pathContains: String) -> RequestHold {
        let hold = RequestHold(method: method, pathContains: pathContains)
        holds.withLock { $0.append(hold) }
        return hold
    }

    /// Waits at the first hold matching the request, if any.
    func passHolds(method: String, path: String) async {
        guard let hold = holds.withLock({ $0.first { $0.matches(method: method, path: path) } }) else { return }
        await hold.hold()
    }
}
