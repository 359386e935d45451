import Glibc

/// `2026-12-02T03:04:05Z` (what podcap and Kubernetes write) to seconds since the epoch.
enum RFC3339 {
    static func parse(_ text: String) -> Double? {
        let digits = Array(text.utf8)
        guard digits.count >= 20, digits[4] == UInt8(ascii: "-"), digits[10] == UInt8(ascii: "T") else { return nil }
        func number(_ range: Range<Int>) -> Int32? { Int32(String(decoding: digits[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
              let minute = number(14..<16), let second = number(17..<19) else { return nil }
        var parts = tm()
        parts.tm_year = year - 1900
        parts.tm_mon = month - 1
        parts.tm_mday = day
        parts.tm_hour = hour
        parts.tm_min = minute
        parts.tm_sec = second
        return Double(timegm(&parts))
    }
}

/// One line on standard error.
enum Stderr {
    static func line(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    static var isTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}
