import Foundation
import Glibc
import Synchronization

/// A child process started from an argv array (no shell), whose stderr is kept in memory so
/// the benchmark can wait for a log line and show the tail when something goes wrong.
final class BenchChild: Sendable {
    private let process: Process
    private let stderrText = Mutex("")
    private let exitStatus = Mutex<Int32?>(nil)

    init(argv: [String]) throws {
        process = Process()
        process.executableURL = URL(fileURLWithPath: argv[0])
        process.arguments = Array(argv.dropFirst())
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = FileHandle.nullDevice
        let pipe = Pipe()
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [self] handle in
            let chunk = handle.availableData
            if chunk.isEmpty {
                handle.readabilityHandler = nil
                return
            }
            stderrText.withLock { s in
                s += String(decoding: chunk, as: UTF8.self)
                if s.utf8.count > 1 << 20 { s = String(s.suffix(256 << 10)) }
            }
        }
        process.terminationHandler = { [self] p in exitStatus.withLock { $0 = p.terminationStatus } }
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var stderr: String { stderrText.withLock { $0 } }
    var exited: Int32? { exitStatus.withLock { $0 } }

    /// Last lines of stderr, indented, for error messages.
    func tail(_ lines: Int = 15) -> String {
        stderr.split(separator: "\n").suffix(lines).map { "    " + $0 }.joined(separator: "\n")
    }

    /// Waits until stderr contains one of `markers`; throws if the child exits or time runs out.
    func waitForOutput(_ markers: [String], timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let text = stderr
            if markers.contains(where: { text.contains($0) }) { return }
            if let code = exited { throw BenchError("\(process.executableURL?.path ?? "child") exited \(code):\n\(tail())") }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw BenchError("no \(markers) on stderr within \(timeout):\n\(tail())")
    }

    /// SIGTERM, then SIGKILL after `grace`; returns the exit status and how long the exit took.
    @discardableResult
    func terminate(grace: Duration = .seconds(10)) async -> (status: Int32?, took: Duration) {
        let started = ContinuousClock.now
        if exited == nil { kill(pid, SIGTERM) }
        while exited == nil, ContinuousClock.now - started < grace {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if exited == nil {
            kill(pid, SIGKILL)
            while exited == nil { try? await Task.sleep(for: .milliseconds(10)) }
        }
        return (exited, ContinuousClock.now - started)
    }
}

/// Memory figures of one process from `/proc/<pid>/status`, in KiB.
struct BenchMemory {
    var rss = 0
    var hwm = 0
    var anon = 0
    var file = 0
    var threads = 0

    init(pid: Int32) throws {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else {
            throw BenchError("cannot read /proc/\(pid)/status")
        }
        for line in text.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == ":" || $0 == " " || $0 == "\t" })
            guard parts.count >= 2, let value = Int(parts[1]) else { continue }
            switch parts[0] {
            case "VmRSS": rss = value
            case "VmHWM": hwm = value
            case "RssAnon": anon = value
            case "RssFile": file = value
            case "Threads": threads = value
            default: break
            }
        }
    }

    /// Samples every 250 ms until 48 samples in a row (12 s) stay within 256 KiB of each other,
    /// or `timeout` passes; returns the largest sample of that window (of the last 12 s if it
    /// never settled) and whether it settled.
    static func settled(pid: Int32, timeout: Duration = .seconds(60)) async throws -> (BenchMemory, settled: Bool) {
        // 12 s of samples within 256 KiB: long enough to hold the controller's code-page trim
        // (2 s after a burst) and one tick of its 10 s timers (disk usage, status refresh),
        // whose code faults back in; a shorter window could catch the trough between them.
        // The largest sample of the window is reported, settled or not: when periodic work
        // (the 10 s progress rounds with 100 captures) keeps RSS moving, the last full window
        // holds a round's peak, while the last sample alone could be the trough after a trim.
        let samples = 48
        let deadline = ContinuousClock.now + timeout
        var window: [BenchMemory] = []
        var last = try BenchMemory(pid: pid)
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(250))
            last = try BenchMemory(pid: pid)
            window.append(last)
            if window.count > samples { window.removeFirst() }
            if window.count == samples, let lo = window.map(\.rss).min(), let high = window.max(by: { $0.rss < $1.rss }),
               high.rss - lo <= 256 {
                return (high, true)
            }
        }
        let low = window.map(\.rss).min() ?? last.rss
        let high = window.max(by: { $0.rss < $1.rss }) ?? last
        print(String(format: "  RSS did not settle in %.0f s; its last 12 s: min %.1f MiB, max %.1f MiB (reported)",
                     Double(timeout.components.seconds), Double(low) / 1024, Double(high.rss) / 1024))
        return (high, false)
    }
}
