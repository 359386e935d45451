import Glibc
import KubeModel

/// One podcap per capture directory: an exclusive `flock` on `<dir>/.podcap.lock`, held for the
/// controller's whole run.
///
/// Two controllers on one directory would each take the other's files for stale ones and its
/// tcpdumps for orphans, and stop and delete them. The lock is taken before either of those
/// start-up steps. It goes with the process (the kernel releases it on exit, however podcap
/// ends), so a lock file left behind never blocks anything; the file holds the owner's PID only
/// to name it in the error. The name is outside the capture grammar, so no sweep deletes it.
public enum CaptureDirectoryLock {
    /// The lock file's name in the capture directory.
    public static let fileName = ".podcap.lock"

    /// Another podcap holds the directory.
    public struct Held: Error, Sendable, CustomStringConvertible {
        public var directory: String
        /// The holder's PID as it wrote it, if readable.
        public var owner: Int32?
        public var waited: Duration

        public var description: String {
            "capture directory \(directory) is in use by another podcap" + (owner.map { " (PID \($0))" } ?? "")
                + "; waited \(waited.readable) for it to exit. Run one podcap per node, or give each its own --capture-dir"
        }
    }

    /// Runs `body` holding the directory's lock. When another process holds it, retries for up
    /// to `wait` (an agent being replaced finishes its graceful shutdown meanwhile), then
    /// throws `Held`. The lock is released when `body` returns or throws.
    public static func with<T>(directory: String, wait: Duration, _ body: () async throws -> T) async throws -> T {
        let path = directory + "/" + fileName
        // O_NOFOLLOW: a symlink planted under this name is refused, never followed.
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw CaptureDirectoryError(path: path, operation: "open the lock file", errno: errno) }
        defer { close(fd) }
        let clock = ContinuousClock()
        let start = clock.now
        var delay = Duration.milliseconds(50)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                throw CaptureDirectoryError(path: path, operation: "lock", errno: errno)
            }
            // No event says when another process releases an flock; poll with a short backoff.
            guard clock.now - start + delay <= wait else {
                throw Held(directory: directory, owner: owner(fd), waited: clock.now - start)
            }
            try await Task.sleep(for: delay)
            delay = min(delay * 2, .milliseconds(500))
        }
        let pid = Array(String(getpid()).utf8) + [UInt8(ascii: "\n")]
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pid, pid.count, 0)
        defer { flock(fd, LOCK_UN) }
        return try await body()
    }

    private static func owner(_ fd: Int32) -> Int32? {
        var buffer = [UInt8](repeating: 0, count: 16)
        let n = pread(fd, &buffer, buffer.count, 0)
        guard n > 0 else { return nil }
        return Int32(String(decoding: buffer[..<n].prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self))
    }
}
