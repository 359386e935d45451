import KubeClient

/// Feeds the watch's reconnects, relists and decode errors into the metrics.
struct WatchMetricsObserver: PodWatchObserver {
    let metrics: MetricsReporter

    func podWatch(_ incident: PodWatchIncident, stats: PodWatchStats) {
        switch incident {
        case .reconnect: metrics.recordWatch(reconnects: 1)
        case .listed(_, let relist) where relist: metrics.recordWatch(relists: 1)
        case .decodeError: metrics.recordWatch(decodeErrors: 1)
        default: break
        }
    }
}
