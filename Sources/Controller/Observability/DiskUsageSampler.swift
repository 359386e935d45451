import Actors
#if canImport(Glibc)
import Glibc
#endif
import Logging
import NodeRuntime
import ServiceLifecycle
import Synchronization

/// Samples the bytes each running capture has on disk into `capture_bytes`, every `interval`.
///
/// It learns which files to look at from the capture reports, so it stats exactly the files of
/// running captures and never scans the directory.
///
/// It also watches the capture directory's file system: tcpdump does not notice a full disk
/// (its buffered writes fail with ENOSPC and it keeps running, losing every packet), so the
/// sampler says so, once when it fills and once when space is back.
final class DiskUsageSampler: CaptureReporter, Service {
    private let metrics: MetricsReporter
    private let interval: Duration
    private let directory: String?
    private let logger: Logger
    private let running = Mutex<[PodRef: CapturePlanFiles]>([:])
    /// Whether the last sample found the directory's file system full.
    private let full = Mutex(false)

    struct CapturePlanFiles: Sendable {
        var paths: [String]
    }

    init(metrics: MetricsReporter, interval: Duration = .seconds(10), directory: String? = nil,
         logger: Logger = Logger(label: "podcap")) {
        self.metrics = metrics
        self.interval = interval
        self.directory = directory
        self.logger = logger
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
        checkSpace(capturing: snapshot.keys.map(\.description).sorted())
    }

    /// Logs the moment the directory's file system fills (and when it has room again).
    private func checkSpace(capturing pods: [String]) {
        guard let directory else { return }
        var info = statvfs()
        guard statvfs(directory, &info) == 0 else { return }
        // Less than one block free: tcpdump's next buffered write fails with ENOSPC.
        let isFull = info.f_bavail == 0
        let changed = full.withLock { was in
            defer { was = isFull }
            return was != isFull
        }
        guard changed else { return }
        if isFull {
            logger.error("capture directory \(directory) is full (ENOSPC: No space left on device): tcpdump cannot write, packets are lost until space is freed",
                         metadata: ["captures": "\(pods)"])
        } else {
            logger.notice("capture directory \(directory) has free space again; captures are writing")
        }
    }
}
