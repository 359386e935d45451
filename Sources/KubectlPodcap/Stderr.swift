import Glibc

/// One line on standard error.
enum Stderr {
    static func line(_ text: String) {
        let bytes = Array((text + "\n").utf8)
        _ = bytes.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    }

    static var isTerminal: Bool { isatty(STDERR_FILENO) == 1 }
}
