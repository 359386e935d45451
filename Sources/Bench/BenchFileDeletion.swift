import Foundation
import Synchronization

/// Timestamps the moment a file is deleted, from inotify on a thread of its own: the stop
/// latency a user sees is "files gone", which can come before the process has exited.
final class BenchFileDeletion: Sendable {
    private let fd: Int32
    private let deletedAt = Mutex<UInt64?>(nil)
    private let done = DispatchSemaphore(value: 0)

    /// Starts watching `directory` for the deletion of `name`. Call before triggering it.
    init?(directory: String, name: String) {
        let fd = inotify_init1(Int32(IN_CLOEXEC))
        guard fd >= 0, inotify_add_watch(fd, directory, UInt32(IN_DELETE)) >= 0 else { return nil }
        self.fd = fd
        let target = Array(name.utf8)
        let thread = Thread { [self] in
            var buffer = [UInt8](repeating: 0, count: 4096)
            outer: while true {
                let n = read(fd, &buffer, buffer.count)
                if n <= 0 { break }
                let now = BenchClock.nanos()
                var offset = 0
                while offset + 16 <= n {
                    let length = Int(buffer[offset + 12]) | Int(buffer[offset + 13]) << 8 | Int(buffer[offset + 14]) << 16 | Int(buffer[offset + 15]) << 24
                    let nameBytes = buffer[(offset + 16)..<min(n, offset + 16 + length)].prefix { $0 != 0 }
                    if Array(nameBytes) == target {
                        deletedAt.withLock { $0 = now }
                        break outer
                    }
                    offset += 16 + length
                }
            }
            done.signal()
        }
        thread.start()
    }

    /// The deletion time, waiting at most `timeout` for it.
    func wait(timeout: Duration = .seconds(5)) -> UInt64? {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        _ = done.wait(timeout: .now() + seconds)
        close(fd)
        return deletedAt.withLock { $0 }
    }
}
