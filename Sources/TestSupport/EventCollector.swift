import KubeClient
import Synchronization

/// Records what a ``PodSource`` emits and lets a test await a condition on it.
public final class EventCollector: Sendable {
    private struct State {
        var events: [PodEvent] = []
        var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
        var next: UInt64 = 0
        var cancelled: Set<UInt64> = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Use as the `emit` of `PodSource.run`.
    @Sendable public func append(_ event: PodEvent) {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.events.append(event)
            defer { s.waiters.removeAll() }
            return Array(s.waiters.values)
        }
        waiters.forEach { $0.resume() }
    }

    /// Everything received so far.
    public var events: [PodEvent] { state.withLock { $0.events } }

    /// Waits until `predicate(events)` holds; returns `false` after `timeout`.
    @discardableResult
    public func wait(timeout: Duration = .seconds(20), until predicate: @Sendable ([PodEvent]) -> Bool) async -> Bool {
        let end = ContinuousClock.now + timeout
        while true {
            let seen = events
            if predicate(seen) { return true }
            if ContinuousClock.now >= end { return false }
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.nextAppend(after: seen.count) }
                group.addTask { try? await Task.sleep(until: end) }
                await group.next()
                group.cancelAll()
            }
        }
    }

    private func nextAppend(after count: Int) async {
        let id = state.withLock { s -> UInt64 in
            s.next += 1
            return s.next
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let now = state.withLock { s -> Bool in
                    if s.events.count != count || s.cancelled.remove(id) != nil { return true }
                    s.waiters[id] = c
                    return false
                }
                if now { c.resume() }
            }
        } onCancel: {
            state.withLock { s -> CheckedContinuation<Void, Never>? in
                if let c = s.waiters.removeValue(forKey: id) { return c }
                s.cancelled.insert(id)
                return nil
            }?.resume()
        }
        state.withLock { _ = $0.cancelled.remove(id) }
    }
}

extension PodEvent {
    /// The Pod's name for ADDED/MODIFIED/DELETED, `nil` for `.resynced`.
    public var podName: String? {
        switch self {
        case .added(let p), .modified(let p), .deleted(let p): return p.metadata.name
        case .resynced: return nil
        }
    }

    /// Short form for assertions: `+name`, `~name`, `-name`, `=[a,b]`.
    public var summary: String {
        switch self {
        case .added(let p): return "+" + p.metadata.name
        case .modified(let p): return "~" + p.metadata.name
        case .deleted(let p): return "-" + p.metadata.name
        case .resynced(let pods): return "=[" + pods.map(\.metadata.name).sorted().joined(separator: ",") + "]"
        }
    }
}
