import Actors
import CaptureTransfer
import NodeRuntime
import Synchronization

/// The captures this agent runs now and the exact files each owns, from the reports.
///
/// `podcap export` and `podcap follow` (run through `pods/exec` by `kubectl podcap`) ask for it
/// on the HTTP endpoint: what they serve comes from this agent's own state, never from a path
/// in the request. A Pod whose capture stopped is gone from it at once.
public final class CaptureIndex: CaptureReporter {
    private struct Key: Hashable {
        var namespace: String
        var name: String
    }

    private let entries = Mutex([Key: CaptureListing]())

    public init() {}

    public func report(_ report: CaptureReport) {
        let key = Key(namespace: report.pod.namespace, name: report.pod.name)
        entries.withLock { entries in
            switch report.change {
            case .started(_, _, let files, _):
                entries[key] = Self.listing(report.pod, state: "capturing", files: files)
            case .progress(_, let files):
                entries[key] = Self.listing(report.pod, state: "capturing", files: files)
            case .completed(_, _, let files):
                entries[key] = Self.listing(report.pod, state: "completed", files: files)
            case .failed:
                // Files of a failing capture stay until it stops; a restart reports them again.
                entries[key]?.state = "failed"
            case .waiting:
                entries[key]?.state = "waiting"
            case .stopped, .rejected:
                // A stop of an earlier incarnation must not drop the re-created Pod's capture.
                if entries[key]?.uid == report.pod.uid { entries[key] = nil }
            case .queued:
                break
            }
        }
    }

    /// The capture of `namespace/name`, if this agent has one.
    public func listing(namespace: String, name: String) -> CaptureListing? {
        entries.withLock { $0[Key(namespace: namespace, name: name)] }
    }

    /// Every capture, ordered by namespace and name.
    public func all() -> [CaptureListing] {
        entries.withLock { Array($0.values) }.sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
    }

    private static func listing(_ pod: PodRef, state: String, files: [String]) -> CaptureListing {
        let ring = files.filter { path in
            CaptureFileName(String(path.split(separator: "/").last ?? ""))?.segment == nil
        }
        return CaptureListing(namespace: pod.namespace, name: pod.name, uid: pod.uid, state: state,
                              files: files, ring: ring)
    }
}
