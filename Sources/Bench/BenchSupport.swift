import Foundation
import Glibc

/// `CLOCK_MONOTONIC` in nanoseconds: the clock the kernel stamps proc-connector events with, so
/// in-process timestamps and kernel timestamps can be subtracted from each other.
enum BenchClock {
    static func nanos() -> UInt64 {
        // `struct timespec` is two longs; read as a tuple because NIO's C module re-declares
        // `timespec`, and member-import visibility would then want that module imported here.
        var raw: (Int, Int) = (0, 0)
        _ = withUnsafeMutablePointer(to: &raw) {
            $0.withMemoryRebound(to: timespec.self, capacity: 1) { clock_gettime(CLOCK_MONOTONIC, $0) }
        }
        return UInt64(raw.0) * 1_000_000_000 + UInt64(raw.1)
    }
}

/// Order statistics of one series of latencies, in milliseconds.
struct BenchStats {
    let samples: [Double]

    init(_ samples: [Double]) { self.samples = samples.sorted() }

    var count: Int { samples.count }

    /// Nearest-rank percentile: the smallest sample with at least `p`% of the samples at or below it.
    func percentile(_ p: Double) -> Double {
        guard !samples.isEmpty else { return .nan }
        let rank = Int((p / 100 * Double(samples.count)).rounded(.up))
        return samples[Swift.min(Swift.max(rank, 1), samples.count) - 1]
    }

    var mean: Double { samples.isEmpty ? .nan : samples.reduce(0, +) / Double(samples.count) }
    var max: Double { samples.last ?? .nan }

    /// `p50 p90 p99 max mean` as fixed-width columns.
    var columns: String {
        [percentile(50), percentile(90), percentile(99), max, mean].map { BenchFormat.ms($0) }.joined()
    }
}

enum BenchFormat {
    /// A right-aligned 9-character millisecond column.
    static func ms(_ value: Double) -> String {
        let text = value.isNaN ? "-" : String(format: "%.2f", value)
        return String(repeating: " ", count: Swift.max(0, 9 - text.count)) + text
    }

    /// A duration in milliseconds with two decimals.
    static func ms(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        return String(format: "%.2f", Double(seconds) * 1000 + Double(attoseconds) / 1e15)
    }

    static func pad(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    static func mib(kib: Int) -> String { String(format: "%.1f", Double(kib) / 1024) }
}

/// Options following a benchmark's name: `podcap-bench latency --repetitions 50 memory --pods 100`.
struct BenchArguments {
    /// Options that take a value; any other `--flag` is a boolean.
    static let valued: Set<String> = ["--envtest", "--repetitions", "--warmup", "--pods", "--podcap", "--concurrency",
                                       "--own-pods", "--results", "--busy", "--processes", "--rate", "--seconds"]

    private var values: [String: String] = [:]
    private var flags: Set<String> = []

    /// The options after the first occurrence of `benchmark` on the command line, up to the next
    /// token that is neither an option nor an option's value.
    init(after benchmark: String, arguments: [String] = CommandLine.arguments) {
        guard let start = arguments.firstIndex(of: benchmark) else { return }
        var i = start + 1
        while i < arguments.count, arguments[i].hasPrefix("--") {
            let option = arguments[i]
            if Self.valued.contains(option), i + 1 < arguments.count {
                values[option] = arguments[i + 1]
                i += 2
            } else {
                flags.insert(option)
                i += 1
            }
        }
    }

    /// Whether a command-line token is an option or an option's value (so not a benchmark name).
    static func isOptionToken(_ token: String, arguments: [String] = CommandLine.arguments) -> Bool {
        if token.hasPrefix("--") { return true }
        return arguments.indices.contains { i in i > 0 && arguments[i] == token && valued.contains(arguments[i - 1]) }
    }

    func string(_ option: String, default value: String) -> String { values[option] ?? value }

    func int(_ option: String, default value: Int) throws -> Int {
        guard let text = values[option] else { return value }
        guard let number = Int(text), number >= 0 else { throw BenchError("\(option) wants a non-negative integer, got \(text)") }
        return number
    }

    func flag(_ option: String) -> Bool { flags.contains(option) }
}

struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
