import Actors

/// Turns what tcpdump (or nsenter before it) wrote to stderr into `CaptureExit` details.
///
/// tcpdump prints, on SIGTERM/SIGINT, `N packet(s) captured`, `N packet(s) received by
/// filter`, `N packet(s) dropped by kernel` (and, on some systems, `… dropped by interface`).
public enum TcpdumpOutputParser {
    /// Phrases that identify the line explaining a failure, most specific first.
    static let errorPhrases = [
        "No such device", "invalid file size", "Permission denied", "Operation not permitted",
        "syntax error", "No such file or directory", "That device is not up", "Network is down",
        "No space left on device", "You don't have permission", "not found", "failed", "cannot", "can't",
    ]

    /// The closing statistics, when all three counters were printed.
    public static func statistics(in text: String) -> CaptureStatistics? {
        var captured: UInt64?, received: UInt64?, dropped: UInt64?
        for line in text.split(whereSeparator: \.isNewline) {
            let words = line.split(separator: " ", omittingEmptySubsequences: true)
            guard words.count >= 3, let value = UInt64(words[0]),
                  words[1] == "packets" || words[1] == "packet" else { continue }
            let rest = words.dropFirst(2).joined(separator: " ")
            switch rest {
            case "captured": captured = value
            case "received by filter": received = value
            case "dropped by kernel": dropped = value
            default: continue
            }
        }
        guard let captured, let received, let dropped else { return nil }
        return CaptureStatistics(captured: captured, receivedByFilter: received, droppedByKernel: dropped)
    }

    /// The line SIGUSR1 makes tcpdump print while it runs:
    /// `tcpdump: A packets captured, B packets received by filter, C packets dropped by kernel`
    /// (`packet` for 1).
    public static func requestedStatistics(line: some Collection<UInt8>) -> CaptureStatistics? {
        let text = String(decoding: line, as: UTF8.self)
        guard text.hasPrefix("tcpdump: ") else { return nil }
        var values: [String: UInt64] = [:]
        for part in text.dropFirst("tcpdump: ".count).split(separator: ",") {
            let words = part.split(separator: " ")
            guard words.count >= 3, let value = UInt64(words[0]), words[1] == "packets" || words[1] == "packet" else { return nil }
            values[words.dropFirst(2).joined(separator: " ")] = value
        }
        guard let captured = values["captured"], let received = values["received by filter"],
              let dropped = values["dropped by kernel"] else { return nil }
        return CaptureStatistics(captured: captured, receivedByFilter: received, droppedByKernel: dropped)
    }

    /// The most telling error line, or `nil` for a clean run.
    ///
    /// A known failure phrase wins; otherwise, for an unsuccessful exit, the last line that is
    /// neither statistics nor tcpdump's informational banner.
    public static func errorMessage(in text: String, status: CaptureExit.Status) -> String? {
        let lines = text.split(whereSeparator: \.isNewline).map { $0.trimmingSpaces() }.filter { !$0.isEmpty }
        for phrase in errorPhrases {
            if let line = lines.first(where: { $0.contains(phrase) && !isInformational($0) }) { return line }
        }
        if status == .exited(0) { return nil }
        return lines.last(where: { !isInformational($0) && !isStatistics($0) })
    }

    /// Builds the exit record from the status and stderr text.
    public static func exit(status: CaptureExit.Status, stderr: String) -> CaptureExit {
        CaptureExit(status: status, statistics: statistics(in: stderr), errorMessage: errorMessage(in: stderr, status: status))
    }

    private static func isInformational(_ line: String) -> Bool {
        line.hasPrefix("tcpdump: listening on") || line.hasPrefix("tcpdump: verbose output suppressed")
            || line.hasPrefix("[…")
    }

    private static func isStatistics(_ line: String) -> Bool {
        let words = line.split(separator: " ")
        return words.count >= 3 && UInt64(words[0]) != nil && words[1].hasPrefix("packet")
    }
}

extension Substring {
    fileprivate func trimmingSpaces() -> String {
        var s = self
        while let first = s.first, first == " " || first == "\t" || first == "\r" { s.removeFirst() }
        while let last = s.last, last == " " || last == "\t" || last == "\r" { s.removeLast() }
        return String(s)
    }
}
