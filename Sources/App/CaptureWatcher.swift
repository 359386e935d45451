import Actors
import Synchronization

/// A `CaptureReporter` the demo awaits: resumes when a Pod's capture starts or stops.
final class CaptureWatcher: CaptureReporter {
    private struct State {
        var reports: [CaptureReport] = []
        var waiters: [(id: Int, matches: @Sendable (CaptureReport) -> Bool, continuation: CheckedContinuation<CaptureReport, any Error>)] = []
        var nextID = 0
    }

    private let state = Mutex(State())

    func report(_ report: CaptureReport) {
        let ready = state.withLock { s -> [CheckedContinuation<CaptureReport, any Error>] in
            s.reports.append(report)
            let matching = s.waiters.filter { $0.matches(report) }
            s.waiters.removeAll { $0.matches(report) }
            return matching.map(\.continuation)
        }
        for continuation in ready { continuation.resume(returning: report) }
    }

    /// The PID of the first start of `name`'s capture; throws if it failed or was rejected first.
    func waitForStart(of name: String, timeout: Duration = .seconds(20)) async throws -> Int32 {
        let report = try await next(timeout: timeout) { r in
            guard r.pod.name == name else { return false }
            switch r.change {
            case .started, .rejected, .failed, .waiting: return true
            default: return false
            }
        }
        if case .started(let pid, _, _, _) = report.change { return pid }
        throw DemoError("capture of \(name) did not start: \(report.change)")
    }

    /// The files deleted when `name`'s capture stopped.
    func waitForStop(of name: String, timeout: Duration = .seconds(20)) async throws -> [String] {
        let report = try await next(timeout: timeout) { r in
            if r.pod.name == name, case .stopped = r.change { return true }
            return false
        }
        if case .stopped(_, _, let deleted) = report.change { return deleted }
        return []
    }

    private func next(timeout: Duration, where matches: @escaping @Sendable (CaptureReport) -> Bool) async throws -> CaptureReport {
        try await withThrowingTaskGroup(of: CaptureReport.self) { group in
            group.addTask {
                let id = self.state.withLock { s in
                    defer { s.nextID += 1 }
                    return s.nextID
                }
                return try await withTaskCancellationHandler {
                    try await withCheckedThrowingContinuation { continuation in
                        self.state.withLock { s in
                            if Task.isCancelled {
                                continuation.resume(throwing: CancellationError())
                            } else {
                                s.waiters.append((id, matches, continuation))
                            }
                        }
                    }
                } onCancel: {
                    let waiter = self.state.withLock { s -> CheckedContinuation<CaptureReport, any Error>? in
                        guard let index = s.waiters.firstIndex(where: { $0.id == id }) else { return nil }
                        return s.waiters.remove(at: index).continuation
                    }
                    waiter?.resume(throwing: CancellationError())
                }
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                throw DemoError("timed out after \(timeout)")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}
