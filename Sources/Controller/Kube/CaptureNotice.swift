import Actors
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import KubeClient

/// What one `CaptureReport` means for the Pod's Kubernetes Event and status annotation.
///
/// A pure function of the report, so Event reasons, messages and the annotation's JSON are
/// unit-tested without a server.
public struct CaptureNotice: Sendable, Equatable {
    /// The annotation podcap owns on each captured Pod; it never touches any other.
    public static let statusAnnotation = "tcpdump.antrea.io/status"

    public enum StatusChange: Sendable, Equatable {
        case set(String)
        case remove
        case keep
    }

    public var type: EventType
    public var reason: String
    public var message: String
    public var status: StatusChange
    /// `false` for changes not worth an Event (the Pod is gone, or podcap is stopping).
    public var emitsEvent: Bool

    /// Maps a report; `now` is the wall time written into the status annotation.
    public static func of(_ report: CaptureReport, now: Date = Date()) -> CaptureNotice {
        let time = timestamp(now)
        switch report.change {
        case .queued(let position):
            let message = "waiting for a capture slot (position \(position)); raise --max-concurrent to run more captures at once"
            return CaptureNotice(type: .normal, reason: "CaptureQueued", message: message,
                                 status: .set(statusJSON(state: "queued", reason: "Queued", message: message, files: nil, time: time)),
                                 emitsEvent: true)
        case .started(let pid, let container, let files, let attempt):
            let message = attempt == 1
                ? "tcpdump started (pid \(pid), entered from container \(container.name)), writing \(describe(files))"
                : "tcpdump restarted (attempt \(attempt), pid \(pid), container \(container.name)), writing \(describe(files))"
            return CaptureNotice(type: .normal, reason: "CaptureStarted", message: message,
                                 status: .set(statusJSON(state: "running", reason: attempt == 1 ? "Started" : "Restarted",
                                                         message: message, files: files, time: time)),
                                 emitsEvent: true)
        case .failed(let reason, let retryIn, let attempt):
            let message = "\(reason); restarting in \(seconds(retryIn)) (attempt \(attempt))"
            return CaptureNotice(type: .warning, reason: "CaptureFailed", message: message,
                                 status: .set(statusJSON(state: "failed", reason: "Failed", message: message, files: nil, time: time)),
                                 emitsEvent: true)
        case .waiting(let reason, let retryIn):
            let message = "\(reason); retrying in \(seconds(retryIn))"
            return CaptureNotice(type: .warning, reason: "CaptureFailed", message: message,
                                 status: .set(statusJSON(state: "waiting", reason: "PodNotFound", message: message, files: nil, time: time)),
                                 emitsEvent: true)
        case .rejected(let rejection):
            return CaptureNotice(type: .warning, reason: "CaptureRejected", message: rejection.description,
                                 status: .set(statusJSON(state: "rejected", reason: rejection.reason, message: rejection.description,
                                                         files: nil, time: time)),
                                 emitsEvent: true)
        case .stopped(let reason, let exit, let deleted):
            var message = switch reason {
            case .annotationRemoved: "capture stopped: annotation removed"
            case .fileCountChanged: "capture stopped: file count changed, restarting with the new count"
            case .podGone: "capture stopped: Pod deleted or left this node"
            case .shutdown: "capture stopped: podcap is shutting down, files kept"
            case .cancelled: "capture killed: podcap was cancelled, files kept"
            }
            if let stats = exit?.statistics {
                message += "; \(stats.captured) packets captured, \(stats.droppedByKernel) dropped by kernel"
            }
            if !deleted.isEmpty { message += "; deleted \(deleted.count) file\(deleted.count == 1 ? "" : "s")" }
            let status: StatusChange = switch reason {
            case .annotationRemoved: .remove
            case .fileCountChanged, .podGone, .shutdown, .cancelled: .keep
            }
            let emits = switch reason {
            case .annotationRemoved, .fileCountChanged: true
            case .podGone, .shutdown, .cancelled: false
            }
            return CaptureNotice(type: .normal, reason: "CaptureStopped", message: message, status: status, emitsEvent: emits)
        }
    }

    private static func describe(_ files: [String]) -> String {
        guard let first = files.first, let last = files.last else { return "no files" }
        return files.count == 1 ? first : "\(files.count) rotated files \(first) … \(last)"
    }

    private static func seconds(_ duration: Duration) -> String {
        let (s, atto) = duration.components
        return atto == 0 ? "\(s)s" : FixedDecimal.oneDecimal(Double(s) + Double(atto) / 1e18) + "s"
    }

    /// `{"state":…,"reason":…,"message":…,"files":[…],"time":…}`, keys in a fixed order.
    static func statusJSON(state: String, reason: String, message: String, files: [String]?, time: String) -> String {
        var out = "{\"state\":\(jsonString(state)),\"reason\":\(jsonString(reason)),\"message\":\(jsonString(message))"
        if let files {
            out += ",\"files\":[" + files.map(jsonString).joined(separator: ",") + "]"
        }
        return out + ",\"time\":\(jsonString(time))}"
    }

    static func jsonString(_ value: String) -> String {
        var bytes: [UInt8] = []
        JSONLineBuilder.appendString(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    static func timestamp(_ date: Date) -> String {
        var time = time_t(date.timeIntervalSince1970)
        var parts = tm()
        gmtime_r(&time, &parts)
        let p = { (value: Int32, width: Int) in FixedDecimal.zeroPadded(Int(value), width: width) }
        return "\(p(parts.tm_year + 1900, 4))-\(p(parts.tm_mon + 1, 2))-\(p(parts.tm_mday, 2))T"
            + "\(p(parts.tm_hour, 2)):\(p(parts.tm_min, 2)):\(p(parts.tm_sec, 2))Z"
    }
}
