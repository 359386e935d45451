import Actors
import NodeRuntime
import ServiceLifecycle
import Synchronization

/// Keeps the file list of a running capture's status annotation true.
///
/// The status is written when tcpdump starts, when only the first ring file exists; tcpdump
/// creates the others as it rotates. Every `interval` this compares the files that exist with
/// those the status last listed and, when the set changed, has the `KubeReporter` write the
/// status again (no Event). Sizes are as of each write; the set of files is what must not lie.
final class StatusRefresher: CaptureReporter, Service {
    private struct Entry: Sendable {
        var report: CaptureReport
        var listed: [String]
    }

    private let interval: Duration
    private let refresh: @Sendable (CaptureReport) -> Void
    private let running = Mutex<[PodRef: Entry]>([:])
    private let exists: @Sendable (String) -> Bool

    init(interval: Duration = .seconds(10), exists: @escaping @Sendable (String) -> Bool = { CaptureFiles.size(of: $0) != nil },
         refresh: @escaping @Sendable (CaptureReport) -> Void) {
        self.interval = interval
        self.exists = exists
        self.refresh = refresh
    }

    func report(_ report: CaptureReport) {
        switch report.change {
        case .started(_, _, let files, _), .progress(_, let files):
            // The latest of the two is what a refresh writes again (with its counters).
            let listed = files.filter(exists)
            running.withLock { $0[report.pod] = Entry(report: report, listed: listed) }
        case .stopped, .failed, .waiting, .rejected, .completed:
            // The status now says something else; a refresh must not turn it back into running.
            running.withLock { _ = $0.removeValue(forKey: report.pod) }
        case .queued:
            break
        }
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while true {
                try await Task.sleep(for: self.interval)
                self.refreshChanged()
            }
        }
    }

    /// Asks for a status write for every running capture whose existing files changed.
    func refreshChanged() {
        let due: [CaptureReport] = running.withLock { entries in
            var due: [CaptureReport] = []
            for (pod, entry) in entries {
                let files: [String]
                switch entry.report.change {
                case .started(_, _, let started, _): files = started
                case .progress(_, let counted): files = counted
                default: continue
                }
                let now = files.filter(exists)
                if now != entry.listed {
                    entries[pod] = Entry(report: entry.report, listed: now)
                    due.append(entry.report)
                }
            }
            return due
        }
        for report in due { refresh(report) }
    }
}
