import Actors
import KubeModel
import Synchronization

/// A `CaptureReporter` that callers await: the demo, the benchmarks and the end-to-end tests
/// resume when a Pod's capture reaches a state, instead of polling for it.
public final class CaptureReportWaiter: CaptureReporter {
    private struct State {
        var reports: [CaptureReport] = []
        var waiters: [(id: Int, matches: @Sendable (CaptureReport) -> Bool, continuation: CheckedContinuation<CaptureReport, any Error>)] = []
        var nextID = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Every report so far, in order.
    public var reports: [CaptureReport] { state.withLock { $0.reports } }

    /// A position in the report log: pass it as `since` to also match reports that arrive
    /// between taking the mark and starting to wait (take it before triggering the change).
    public var mark: Int { state.withLock { $0.reports.count } }

    public func report(_ report: CaptureReport) {
        let ready = state.withLock { s -> [CheckedContinuation<CaptureReport, any Error>] in
            s.reports.append(report)
            let matching = s.waiters.filter { $0.matches(report) }
            s.waiters.removeAll { $0.matches(report) }
            return matching.map(\.continuation)
        }
        for continuation in ready { continuation.resume(returning: report) }
    }

    /// The PID of the next start of `name`'s capture; throws if it failed or was rejected first.
    public func waitForStart(of name: String, since: Int? = nil, timeout: Duration = .seconds(20)) async throws -> Int32 {
        let report = try await next(since: since, timeout: timeout) { r in
            guard r.pod.name == name else { return false }
            switch r.change {
            case .started, .rejected, .failed, .waiting: return true
            default: return false
            }
        }
        if case .started(let pid, _, _, _) = report.change { return pid }
        throw WaitError("capture of \(name) did not start: \(report.change)")
    }

    /// The files deleted when `name`'s capture stopped next.
    public func waitForStop(of name: String, since: Int? = nil, timeout: Duration = .seconds(20)) async throws -> [String] {
        let report = try await next(since: since, timeout: timeout) { r in
            if r.pod.name == name, case .stopped = r.change { return true }
            return false
        }
        if case .stopped(_, _, let deleted, _) = report.change { return deleted }
        return []
    }

    /// The first report at or after `since` (default: now) that `matches`, or `WaitError`
    /// after `timeout`. Checking the log and registering the waiter happen under one lock, so a
    /// report arriving in between cannot be missed.
    public func next(since: Int? = nil, timeout: Duration = .seconds(20),
                     where matches: @escaping @Sendable (CaptureReport) -> Bool) async throws -> CaptureReport {
        let start = since ?? mark
        return try await withThrowingTaskGroup(of: CaptureReport.self) { group in
            group.addTask {
                let id = self.state.withLock { s in
                    defer { s.nextID += 1 }
                    return s.nextID
                }
                return try await withTaskCancellationHandler {
                    try await withCheckedThrowingContinuation { continuation in
                        let outcome: Result<CaptureReport, any Error>? = self.state.withLock { s in
                            if let found = s.reports.dropFirst(start).first(where: matches) { return .success(found) }
                            if Task.isCancelled { return .failure(CancellationError()) }
                            s.waiters.append((id, matches, continuation))
                            return nil
                        }
                        if let outcome { continuation.resume(with: outcome) }
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
                throw WaitError("no matching capture report within \(timeout.readable)")
            }
            defer { group.cancelAll() }
            return try await group.next()!
        }
    }
}

/// A wait that ended without the awaited report.
public struct WaitError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
