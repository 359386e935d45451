import Dispatch
import Glibc
import Synchronization

/// A child's stderr channel, drained by a Dispatch read source into a `BoundedOutput`.
///
/// swift-subprocess's `.sequence` output keeps one read pending per stream, and each pending
/// read holds a zero-filled buffer the size of the pipe (64 KiB): a capture waits on its
/// output for its whole life, so with stdout and stderr that was 128 KiB resident per
/// capture. Here a read happens only when the pipe is readable, into a 4 KiB stack buffer,
/// and stdout goes to /dev/null (tcpdump writes packets to files, never to stdout).
final class StderrPipe: Sendable {
    /// The end the child writes; handed to the spawn and closed by `closeWriteEnd()`.
    let writeEnd: Int32
    private let readEnd: Int32
    private let ready: ReadyMarker?
    private let statistics: LiveStatistics?
    private let state = Mutex(State())

    private struct State {
        var output = BoundedOutput()
        var finished = false
        var writeEndOpen = true
        var waiter: CheckedContinuation<BoundedOutput, Never>?
    }

    /// A new channel, both ends close-on-exec from the start (the spawn dups the write end onto
    /// fd 2), so a capture spawned concurrently never inherits it and holds it open. A Unix
    /// socket pair, because Glibc's module does not export `pipe2`, and `pipe` + `fcntl` would
    /// leave that window open; tcpdump only `write`s to its stderr.
    init(ready: ReadyMarker?, statistics: LiveStatistics? = nil) throws(PipeFailure) {
        var fds: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) == 0 else {
            throw PipeFailure(errno: errno)
        }
        readEnd = fds[0]
        writeEnd = fds[1]
        self.ready = ready
        self.statistics = statistics
        _ = fcntl(readEnd, F_SETFL, fcntl(readEnd, F_GETFL) | O_NONBLOCK)
    }

    /// `pipe2` failed.
    struct PipeFailure: Error, CustomStringConvertible {
        var errno: Int32
        var description: String { "socketpair: \(String(cString: strerror(errno)))" }
    }

    /// Closes the parent's copy of the write end, once: after the spawn (the child holds its
    /// own), or when the spawn failed. Only then can the reader see end-of-file.
    func closeWriteEnd() {
        let open = state.withLock { state in
            defer { state.writeEndOpen = false }
            return state.writeEndOpen
        }
        if open { close(writeEnd) }
    }

    /// Starts draining; `finished()` returns what was read once the child closed its end.
    func startReading() {
        let source = DispatchSource.makeReadSource(fileDescriptor: readEnd, queue: DispatchQueue.global())
        let readEnd = readEnd
        source.setEventHandler { [self] in
            if !drain() { source.cancel() }
        }
        source.setCancelHandler { [self] in
            close(readEnd)
            let (output, waiter) = state.withLock { state in
                state.finished = true
                defer { state.waiter = nil }
                return (state.output, state.waiter)
            }
            waiter?.resume(returning: output)
        }
        source.resume()
    }

    /// Reads what is there; false at end-of-file or on an error other than "try again".
    private func drain() -> Bool {
        withUnsafeTemporaryAllocation(byteCount: 4096, alignment: 16) { buffer -> Bool in
            while true {
                let n = read(readEnd, buffer.baseAddress, buffer.count)
                if n > 0 {
                    let bytes = UnsafeRawBufferPointer(rebasing: buffer[..<n])
                    let fire = state.withLock { state -> Bool in
                        state.output.append(bytes)
                        guard let ready, !ready.isFulfilled else { return false }
                        return state.output.headContains(ready.marker)
                    }
                    if fire { ready?.fulfill() }
                    statistics?.consume(bytes)
                    continue
                }
                if n < 0, errno == EINTR { continue }
                return n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)
            }
        }
    }

    /// Suspends until the child's end closed (it exited, or closed stderr) and returns the output.
    func finished() async -> BoundedOutput {
        await withCheckedContinuation { continuation in
            let done: BoundedOutput? = state.withLock { state in
                if state.finished { return state.output }
                state.waiter = continuation
                return nil
            }
            if let done { continuation.resume(returning: done) }
        }
    }
}
