import Actors
import NodeRuntime
import ServiceLifecycle
import Synchronization

/// Samples the bytes each running capture has on disk into `capture_bytes`, every `interval`.
///
/// It learns which files to look at from the capture reports, so it stats exactly the files of
/// running captures and never scans the directory.
final class DiskUsageSampler: CaptureReporter, Service {
    private let metrics: MetricsReporter
    private let interval: Duration
    private let running = Mutex<[PodRef: CapturePlanFiles]>([:])

    struct CapturePlanFiles: Sendable {
        var paths: [String]
    }

    init(metrics: MetricsReporter, interval: Duration = .seconds(10)) {
        self.metrics = metrics
        self.interval = interval
    }

    func report(_ report: CaptureReport) {
        switch report.change {
        case .started(_, _, let files, _), .completed(_, _, let files):
            // A completed capture's files still count until they are deleted.
            running.withLock { $0[report.pod] = CapturePlanFiles(paths: files) }
        case .stopped:
            running.withLock { _ = $0.removeValue(forKey: report.pod) }
            metrics.removeDiskUsage(pod: report.pod)
        default:
            break
        }
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: self.interval)
                self.sample()
            }
        }
    }

    func sample() {
        let snapshot = running.withLock { $0 }
        for (pod, files) in snapshot {
            metrics.setDiskUsage(pod: pod, bytes: files.paths.reduce(Int64(0)) { $0 + max(0, CaptureFiles.size(of: $1) ?? 0) })
        }
    }
}
