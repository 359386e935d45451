import KubeClient

/// Passes every watch incident on, and calls `onSynced` at the initial list's `.synced`
/// (relists do not report `.synced`, so it runs once per watcher).
struct SyncedObserver: PodWatchObserver {
    let upstream: any PodWatchObserver
    let onSynced: (@Sendable () -> Void)?

    init(_ upstream: any PodWatchObserver, onSynced: (@Sendable () -> Void)?) {
        self.upstream = upstream
        self.onSynced = onSynced
    }

    func podWatch(_ incident: PodWatchIncident, stats: PodWatchStats) {
        upstream.podWatch(incident, stats: stats)
        if incident == .synced { onSynced?() }
    }
}
