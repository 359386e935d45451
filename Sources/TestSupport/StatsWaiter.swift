import KubeClient
import Synchronization

/// A ``PodWatchObserver`` that lets a test await a condition on the counters.
public final class StatsWaiter: PodWatchObserver {
    private let latest = Mutex(PodWatchStats())
    private let collector = EventCollector()

    public init() {}

    public func podWatch(_ incident: PodWatchIncident, stats: PodWatchStats) {
        latest.withLock { $0 = stats }
        // Reuse the collector's wake-up: any append wakes waiters.
        collector.append(.resynced([]))
    }

    /// The most recent counters.
    public var stats: PodWatchStats { latest.withLock { $0 } }

    /// Waits until `predicate(stats)` holds; `false` after `timeout`.
    @discardableResult
    public func wait(timeout: Duration = .seconds(20), until predicate: @escaping @Sendable (PodWatchStats) -> Bool) async -> Bool {
        await collector.wait(timeout: timeout) { _ in predicate(self.stats) }
    }
}
