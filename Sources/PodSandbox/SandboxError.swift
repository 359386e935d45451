import Glibc

/// A sandbox could not be set up, used, or fully torn down.
public enum SandboxError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Not root, or a required tool is missing; the message says what to do.
    case unsupported(String)
    /// A command exited unsuccessfully.
    case command([String], status: String, stderr: String)
    /// A system call failed.
    case system(String, path: String, errno: Int32)

    public var description: String {
        switch self {
        case .unsupported(let why): why
        case .command(let argv, let status, let stderr):
            "\(argv.joined(separator: " ")) \(status): \(stderr.isEmpty ? "(no output)" : stderr)"
        case .system(let call, let path, let code):
            "\(call) \(path): \(String(cString: strerror(code)))"
        }
    }
}
