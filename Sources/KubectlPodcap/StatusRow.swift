#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeClient

/// One capture as `kubectl podcap status` prints it.
struct StatusRow: Codable, Sendable, Equatable {
    var namespace: String
    var pod: String
    var node: String?
    /// The agent's state, `pending` while the annotation is set and no agent has answered.
    var state: String
    var requestedFiles: String?
    var files: Int
    var bytes: Int64
    var packets: Int?
    var dropped: Int?
    var options: [String: String]?
    var message: String?
    /// When the capture first started (RFC 3339).
    var since: String?
    /// When the agent last wrote the status (RFC 3339).
    var updated: String?

    init(_ pod: PodItem) {
        let status = pod.captureStatus
        namespace = pod.metadata.namespace
        self.pod = pod.metadata.name
        node = pod.nodeName
        requestedFiles = pod.annotations["tcpdump.antrea.io"]
        state = status?.state ?? (requestedFiles == nil ? "none" : "pending")
        files = status?.files?.count ?? 0
        bytes = status?.bytes ?? 0
        packets = status?.packets
        dropped = status?.dropped
        options = status?.options
        message = status?.message
        since = status?.since
        updated = status?.time
    }

    static func json(_ rows: [StatusRow]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(rows), as: UTF8.self)
    }

    /// YAML by hand: every string double-quoted JSON-style, which YAML reads as is.
    static func yaml(_ rows: [StatusRow]) -> String {
        if rows.isEmpty { return "[]\n" }
        func quoted(_ value: String) -> String {
            var out = "\""
            for scalar in value.unicodeScalars {
                switch scalar {
                case "\"": out += "\\\""
                case "\\": out += "\\\\"
                case "\n": out += "\\n"
                case "\t": out += "\\t"
                default:
                    if scalar.value < 0x20 { out += "\\x" + String(scalar.value, radix: 16).leftPadded(2) } else { out.unicodeScalars.append(scalar) }
                }
            }
            return out + "\""
        }
        var out = ""
        for row in rows {
            out += "- namespace: \(quoted(row.namespace))\n  pod: \(quoted(row.pod))\n"
            if let node = row.node { out += "  node: \(quoted(node))\n" }
            out += "  state: \(quoted(row.state))\n"
            if let requested = row.requestedFiles { out += "  requestedFiles: \(quoted(requested))\n" }
            out += "  files: \(row.files)\n  bytes: \(row.bytes)\n"
            if let packets = row.packets { out += "  packets: \(packets)\n" }
            if let dropped = row.dropped { out += "  dropped: \(dropped)\n" }
            if let options = row.options, !options.isEmpty {
                out += "  options:\n" + options.sorted { $0.key < $1.key }.map { "    \($0.key): \(quoted($0.value))\n" }.joined()
            }
            if let message = row.message { out += "  message: \(quoted(message))\n" }
            if let since = row.since { out += "  since: \(quoted(since))\n" }
            if let updated = row.updated { out += "  updated: \(quoted(updated))\n" }
        }
        return out
    }

    static func table(_ rows: [StatusRow], namespaces: Bool, now: Date) -> String {
        if rows.isEmpty { return "No captures found.\n" }
        var lines: [[String]] = [(namespaces ? ["NAMESPACE"] : []) + ["POD", "NODE", "STATE", "FILES", "SIZE", "PACKETS", "DROPPED", "AGE"]]
        for row in rows {
            // A capture's age runs from its first start; a pending or failed one has none.
            let age = row.since.flatMap(RFC3339.parse).map { Self.age(now.timeIntervalSince($0)) } ?? "-"
            lines.append((namespaces ? [row.namespace] : []) + [
                row.pod, row.node ?? "<none>", row.state, "\(row.files)/\(row.requestedFiles ?? "-")", Self.size(row.bytes),
                row.packets.map(String.init) ?? "-", row.dropped.map(String.init) ?? "-", age,
            ])
        }
        let widths = (0..<lines[0].count).map { column in lines.map { $0[column].count }.max() ?? 0 }
        return lines.map { line in
            line.enumerated().map { index, cell in index == line.count - 1 ? cell : cell.padding(widths[index]) }.joined(separator: "   ")
        }.joined(separator: "\n") + "\n"
    }

    /// kubectl's age style: 45s, 3m, 2h, 5d.
    static func age(_ seconds: Double) -> String {
        let s = max(0, Int(seconds))
        if s < 120 { return "\(s)s" }
        if s < 7200 { return "\(s / 60)m" }
        if s < 172_800 { return "\(s / 3600)h" }
        return "\(s / 86_400)d"
    }

    static func size(_ bytes: Int64) -> String {
        if bytes < 1000 { return "\(bytes)B" }
        if bytes < 1_000_000 { return "\(bytes / 1000)kB" }
        let tenths = bytes / 100_000
        return "\(tenths / 10).\(tenths % 10)MB"
    }
}
