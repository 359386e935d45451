import Actors
import Synchronization

/// tcpdump's counters while it runs: SIGUSR1 makes it print `tcpdump: A packets captured, B
/// packets received by filter, C packets dropped by kernel` on stderr, and this picks that line
/// out of the stream as the `StderrPipe` reads it.
final class LiveStatistics: Sendable {
    private struct State {
        var generation = 0
        var latest: CaptureStatistics?
        /// The start of a line whose end has not been read yet (bounded: tcpdump's lines are short).
        var partial: [UInt8] = []
        var waiters: [Int: (after: Int, continuation: CheckedContinuation<CaptureStatistics?, Never>)] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    /// How many statistics lines were read so far.
    var generation: Int { state.withLock { $0.generation } }

    /// Feeds bytes read from tcpdump's stderr.
    func consume(_ bytes: UnsafeRawBufferPointer) {
        let woken: [(CheckedContinuation<CaptureStatistics?, Never>, CaptureStatistics)] = state.withLock { s in
            var found: CaptureStatistics?
            for byte in bytes {
                if byte == UInt8(ascii: "\n") {
                    if let stats = TcpdumpOutputParser.requestedStatistics(line: s.partial) { found = stats }
                    s.partial.removeAll(keepingCapacity: true)
                } else if s.partial.count < 512 {
                    s.partial.append(byte)
                }
            }
            guard let found else { return [] }
            s.generation += 1
            s.latest = found
            var ready: [(CheckedContinuation<CaptureStatistics?, Never>, CaptureStatistics)] = []
            for (id, waiter) in s.waiters where waiter.after < s.generation {
                ready.append((waiter.continuation, found))
                s.waiters[id] = nil
            }
            return ready
        }
        for (continuation, stats) in woken { continuation.resume(returning: stats) }
    }

    /// The first statistics read after `generation`, or `nil` if the task is cancelled first.
    func next(after generation: Int) async -> CaptureStatistics? {
        let id = state.withLock { s in
            defer { s.nextWaiter += 1 }
            return s.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<CaptureStatistics?, Never>) in
                let now: CaptureStatistics?? = state.withLock { s in
                    if s.generation > generation, let latest = s.latest { return .some(latest) }
                    if Task.isCancelled { return .some(nil) }
                    s.waiters[id] = (generation, continuation)
                    return .none
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.continuation.resume(returning: nil)
        }
    }
}
