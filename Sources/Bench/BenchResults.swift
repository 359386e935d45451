import Foundation
import Synchronization

/// One row of `make bench`'s table and of `bench/results.json`.
struct BenchRow: Sendable {
    var name: String
    /// The figure the target is about (the median for a series).
    var value: Double
    var p99: Double
    var min: Double
    var max: Double
    var unit: String
    var target: String
    /// `nil`: no target is checked by this row (informational).
    var pass: Bool?
    /// Passed on its measured floor + budget rather than on its own target.
    var byFloor = false

    /// A single reading (memory, throughput): median = p99 = min = max.
    init(name: String, value: Double, unit: String, target: String, pass: Bool?) {
        self.name = name
        self.value = value
        self.p99 = value
        self.min = value
        self.max = value
        self.unit = unit
        self.target = target
        self.pass = pass
    }

    /// A series of samples (latencies): the median, p99 (nearest rank), min and max.
    init(name: String, samples: [Double], unit: String, target: String, pass: (BenchStats) -> Bool) {
        let stats = BenchStats(samples)
        self.name = name
        self.value = stats.percentile(50)
        self.p99 = stats.percentile(99)
        self.min = stats.samples.first ?? .nan
        self.max = stats.max
        self.unit = unit
        self.target = target
        self.pass = samples.isEmpty ? false : pass(stats)
    }
}

/// Collects the rows of every benchmark of this run; `make bench` prints them as one table and
/// writes them to `bench/results.json`, one JSON object per line.
enum BenchResults {
    private static let rows = Mutex<[BenchRow]>([])

    static func add(_ row: BenchRow) { rows.withLock { $0.append(row) } }

    static var all: [BenchRow] { rows.withLock { $0 } }

    static func printTable() {
        let rows = all
        guard !rows.isEmpty else { return }
        let header = ["name", "median", "p99", "min", "max", "unit", "target", "pass"]
        let cells = rows.map { row in
            [row.name, number(row.value), number(row.p99), number(row.min), number(row.max), row.unit, row.target,
             row.pass.map { $0 ? (row.byFloor ? "PASS (floor)" : "PASS") : "FAIL" } ?? "-"]
        }
        let widths = header.indices.map { column in ([header] + cells).map { $0[column].count }.max() ?? 0 }
        func line(_ fields: [String]) -> String {
            fields.enumerated().map { column, text in
                // Names and units left-aligned, numbers right-aligned.
                let pad = String(repeating: " ", count: widths[column] - text.count)
                return (1...4).contains(column) ? pad + text : text + pad
            }.joined(separator: "  ")
        }
        print("")
        print(line(header))
        print(widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
        for row in cells { print(line(row)) }
    }

    /// `{"name","value","unit","target","pass"}` per line.
    static func writeJSONLines(to path: String) throws {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        var text = ""
        for row in all {
            let pass = row.pass.map { $0 ? "true" : "false" } ?? "null"
            let value = row.value.isFinite ? number(row.value) : "null"
            text += "{\"name\":\(json(row.name)),\"value\":\(value),\"unit\":\(json(row.unit)),"
                + "\"target\":\(json(row.target)),\"pass\":\(pass)}\n"
        }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }

    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "-" }
        if value == value.rounded(), abs(value) >= 1000 { return String(format: "%.0f", value) }
        return String(format: "%.2f", value)
    }

    private static func json(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
