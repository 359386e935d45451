import Actors
import CaptureOptions
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import KubeClient
import NodeRuntime

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
    /// The Event's text when it differs from the status message: without the attempt number,
    /// PID or delay, so the repeats of a crash loop join one Event series (count) instead of
    /// writing a new Event per restart.
    public var seriesMessage: String? = nil

    /// What the Event says.
    public var eventMessage: String { seriesMessage ?? message }

    /// Maps a report; `now` is the wall time written into the status annotation, and
    /// `sizeOf` tells which of the capture's files exist (and their sizes) at that moment, so
    /// the status lists what is on disk, not what tcpdump may create later.
    /// `since` is when this capture first started (RFC 3339), kept by the reporter across
    /// restarts of its tcpdump; a started, capturing or completed status carries it.
    public static func of(_ report: CaptureReport, now: Date = Date(), since: String? = nil,
                          sizeOf: (String) -> Int64? = CaptureFiles.size(of:)) -> CaptureNotice {
        let time = timestamp(now)
        let options = report.spec?.options ?? CaptureOptions()
        switch report.change {
        case .queued(let position):
            let message = "waiting for a capture slot (position \(position)); raise --max-concurrent to run more captures at once"
            return CaptureNotice(type: .normal, reason: "CaptureQueued", message: message,
                                 status: .set(statusJSON(state: "queued", reason: "Queued", message: message, files: nil,
                                                         options: options, time: time)),
                                 emitsEvent: true)
        case .started(let pid, let container, let files, let attempt):
            // `files` is every path the capture may own: kept segments, then the ring; together
            // they are the N the annotation allows.
            let kept = files.filter { path in CaptureFileName(fileName(path))?.segment != nil }
            let ring = files.filter { path in CaptureFileName(fileName(path))?.segment == nil }
            var message = attempt == 1
                ? "tcpdump started (pid \(pid), entered from container \(container.name)), writing \(describe(ring))"
                : "tcpdump restarted (attempt \(attempt), pid \(pid), container \(container.name)), writing \(describe(ring))"
            if !kept.isEmpty {
                message += "; kept \(kept.count) file\(kept.count == 1 ? "" : "s") of earlier runs (\(kept.map(fileName).joined(separator: ", ")))"
            }
            if !options.isEmpty { message += "; options: " + describe(options) }
            return CaptureNotice(type: .normal, reason: "CaptureStarted", message: message,
                                 status: .set(statusJSON(state: "capturing", reason: attempt == 1 ? "Started" : "Restarted",
                                                         message: message, files: existing(files, sizeOf), maxFiles: files.count,
                                                         options: options, since: since ?? time, time: time)),
                                 emitsEvent: true,
                                 seriesMessage: attempt == 1 ? nil : "tcpdump restarted after a failure (container \(container.name))")
        case .progress(let stats, let files):
            let present = existing(files, sizeOf)
            let message = "capturing: \(stats.captured) packets captured, \(stats.droppedByKernel) dropped by kernel, "
                + "\(present.count) file\(present.count == 1 ? "" : "s") on disk"
            return CaptureNotice(type: .normal, reason: "CaptureProgress", message: message,
                                 status: .set(statusJSON(state: "capturing", reason: "Capturing", message: message, files: present,
                                                         maxFiles: files.count, options: options, statistics: stats, since: since ?? time, time: time)),
                                 emitsEvent: false)
        case .completed(let reason, let exit, let files):
            let present = existing(files, sizeOf)
            var message = "capture completed: \(reason); tcpdump stopped, "
            message += present.isEmpty ? "no files were written" : "kept \(present.count) file\(present.count == 1 ? "" : "s") (\(present.map { fileName($0.path) }.joined(separator: ", ")))"
            if let stats = exit?.statistics {
                message += "; \(stats.captured) packets captured, \(stats.droppedByKernel) dropped by kernel"
            }
            message += "; remove the annotation to delete them"
            return CaptureNotice(type: .normal, reason: "CaptureCompleted", message: message,
                                 status: .set(statusJSON(state: CompletionMarker.state, reason: reason.reason, message: message,
                                                         files: present, options: options, statistics: exit?.statistics,
                                                         request: report.spec?.key, since: since ?? time, time: time)),
                                 emitsEvent: true)
        case .failed(let reason, let retryIn, let attempt):
            let message = "\(reason); restarting in \(seconds(retryIn)) (attempt \(attempt))"
            return CaptureNotice(type: .warning, reason: "CaptureFailed", message: message,
                                 status: .set(statusJSON(state: "failed", reason: "Failed", message: message, files: nil,
                                                         options: options, time: time)),
                                 emitsEvent: true, seriesMessage: "\(reason); restarting with backoff")
        case .waiting(let reason, let retryIn):
            let message = "\(reason); retrying in \(seconds(retryIn))"
            return CaptureNotice(type: .warning, reason: "CaptureFailed", message: message,
                                 status: .set(statusJSON(state: "waiting", reason: "WaitingForContainer", message: message, files: nil,
                                                         options: options, time: time)),
                                 emitsEvent: true, seriesMessage: "\(reason); retrying with backoff")
        case .rejected(let rejection):
            return CaptureNotice(type: .warning, reason: "CaptureRejected", message: rejection.description,
                                 status: .set(statusJSON(state: "rejected", reason: rejection.reason, message: rejection.description,
                                                         files: nil, time: time)),
                                 emitsEvent: true)
        case .stopped(let reason, let exit, let deleted, let ran):
            var message = if ran {
                switch reason {
                case .annotationRemoved: "capture stopped: annotation removed"
                case .fileCountChanged: "capture stopped: file count changed, restarting with the new count"
                case .optionsChanged: "capture stopped: options changed, restarting with the new options"
                case .podGone: "capture stopped: Pod deleted or left this node"
                case .shutdown: "capture stopped: podcap is shutting down, files kept; it resumes when podcap runs again"
                case .cancelled: "capture killed: podcap was cancelled, files kept; it resumes when podcap runs again"
                }
            } else {
                switch reason {
                case .annotationRemoved: "pending capture cancelled: annotation removed before tcpdump ever started"
                case .fileCountChanged: "pending capture restarting with the new file count; tcpdump had not started yet"
                case .optionsChanged: "pending capture restarting with the new options; tcpdump had not started yet"
                case .podGone: "pending capture cancelled: Pod deleted or left this node before tcpdump ever started"
                case .shutdown, .cancelled: "pending capture cancelled: podcap is shutting down; it is retried when podcap runs again"
                }
            }
            if let stats = exit?.statistics {
                message += "; \(stats.captured) packets captured, \(stats.droppedByKernel) dropped by kernel"
            }
            if !deleted.isEmpty {
                message += "; deleted \(deleted.count) file\(deleted.count == 1 ? "" : "s")" + (ran ? "" : " of an earlier run")
            } else if reason.deletesFiles {
                message += "; no files to delete"
            }
            let status: StatusChange = switch reason {
            case .annotationRemoved: .remove
            case .podGone: .keep
            case .fileCountChanged:
                .set(statusJSON(state: "restarting", reason: "FileCountChanged", message: message, files: [], maxFiles: nil, time: time))
            case .optionsChanged:
                .set(statusJSON(state: "restarting", reason: "OptionsChanged", message: message, files: [], maxFiles: nil, time: time))
            case .shutdown, .cancelled:
                .set(statusJSON(state: "stopped", reason: ran ? "Shutdown" : "ShutdownPending", message: message,
                                files: nil, maxFiles: nil, time: time))
            }
            let emits = switch reason {
            case .annotationRemoved, .fileCountChanged, .optionsChanged: true
            case .podGone, .shutdown, .cancelled: false
            }
            return CaptureNotice(type: .normal, reason: "CaptureStopped", message: message, status: status, emitsEvent: emits)
        }
    }

    private static func describe(_ files: [String]) -> String {
        guard let first = files.first, let last = files.last else { return "no files" }
        return files.count == 1 ? first : "up to \(files.count) rotated files \(first) … \(last)"
    }

    /// `filter "tcp port 80", snaplen 96, duration 5m`.
    private static func describe(_ options: CaptureOptions) -> String {
        options.summary.map { item in
            let name = item.annotation.shortName
            return item.annotation == .filter ? "\(name) \(quotedValue(item.value))" : "\(name) \(item.value)"
        }.joined(separator: ", ")
    }

    private static func fileName(_ path: String) -> String {
        path.split(separator: "/").last.map(String.init) ?? path
    }

    private static func existing(_ paths: [String], _ sizeOf: (String) -> Int64?) -> [(path: String, bytes: Int64)] {
        paths.compactMap { path in sizeOf(path).map { (path, $0) } }
    }

    /// The one duration format of logs and Events (`Duration.readable`): `2s`, `1.07s`, `1m`.
    private static func seconds(_ duration: Duration) -> String { duration.readable }

    /// `{"state":…,"reason":…,"message":…,"files":[{"path":…,"bytes":…}],"maxFiles":N,
    /// "options":{"filter":…,…},"packets":N,"dropped":N,"request":…,"since":…,"time":…}`, keys in a fixed
    /// order (`state` first: `CompletionMarker` relies on it); `files` are those that existed
    /// when the status was written; `options` only when some are set; `packets` and `dropped`
    /// once tcpdump reported them; `request` only for a completed capture; `since` (when the capture
    /// first started) while it runs and once it completed.
    static func statusJSON(state: String, reason: String, message: String, files: [(path: String, bytes: Int64)]?,
                           maxFiles: Int? = nil, options: CaptureOptions = CaptureOptions(),
                           statistics: CaptureStatistics? = nil, request: String? = nil, since: String? = nil,
                           time: String) -> String {
        var out = "{\"state\":\(jsonString(state)),\"reason\":\(jsonString(reason)),\"message\":\(jsonString(message))"
        if let files {
            out += ",\"files\":[" + files.map { "{\"path\":\(jsonString($0.path)),\"bytes\":\($0.bytes)}" }.joined(separator: ",") + "]"
        }
        if let maxFiles { out += ",\"maxFiles\":\(maxFiles)" }
        if !options.isEmpty {
            out += ",\"options\":{" + options.summary.map { item in
                "\(jsonString(String(item.annotation.shortName))):\(jsonString(item.value))"
            }.joined(separator: ",") + "}"
        }
        if let statistics { out += ",\"packets\":\(statistics.captured),\"dropped\":\(statistics.droppedByKernel)" }
        if let request { out += ",\"\(CompletionMarker.field)\":\(jsonString(request))" }
        if let since { out += ",\"since\":\(jsonString(since))" }
        return out + ",\"time\":\(jsonString(time))}"
    }

    static func jsonString(_ value: String) -> String {
        var bytes: [UInt8] = []
        JSONStringLiteral.append(value, to: &bytes)
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
