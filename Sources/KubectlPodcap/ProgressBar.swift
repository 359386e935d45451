import Glibc

/// One line on a terminal's standard error, redrawn at most ten times a second; nothing at all
/// when standard error is not a terminal (a pipe, a CI log).
struct ProgressBar {
    private let enabled = Stderr.isTerminal
    private var lastDraw = ContinuousClock.now - .seconds(1)
    private let started = ContinuousClock.now

    mutating func update(label: String, done: Int64, total: Int64, force: Bool = false) {
        guard enabled else { return }
        let now = ContinuousClock.now
        guard force || now - lastDraw >= .milliseconds(100) else { return }
        lastDraw = now
        let width = 30
        let fraction = total > 0 ? min(1, Double(done) / Double(total)) : 1
        let filled = Int(fraction * Double(width))
        let seconds = Double((now - started).components.attoseconds) / 1e18 + Double((now - started).components.seconds)
        let rate = seconds > 0 ? Double(done) / 1e6 / seconds : 0
        let line = "\r\(label) [\(String(repeating: "#", count: filled))\(String(repeating: " ", count: width - filled))] "
            + "\(Self.megabytes(done))/\(Self.megabytes(total)) MB \(Self.megabytes(Int64(rate * 1e6))) MB/s\u{1B}[K"
        let bytes = Array(line.utf8)
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    func finish() {
        guard enabled else { return }
        let bytes = Array("\r\u{1B}[K".utf8)
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    static func megabytes(_ bytes: Int64) -> String {
        let tenths = bytes / 100_000
        return "\(tenths / 10).\(tenths % 10)"
    }
}
