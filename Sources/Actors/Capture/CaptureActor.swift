import Synchronization

/// Owns one capture: its process, its restarts, and its files.
///
/// `run()` starts the process, restarts it with backoff when it dies, and returns once the
/// capture was stopped: by `stop(_:)` (graceful, files deleted if no longer wanted) or by
/// cancellation of the running task (SIGKILL, files kept). State is re-checked after every
/// `await`, since `stop` or `retarget` may have arrived meanwhile.
public actor CaptureActor {
    /// Where the capture is in its life; only `run()` changes it.
    public enum State: Sendable {
        case idle
        case starting(attempt: Int)
        case running(process: any CaptureProcess, attempt: Int, since: Duration)
        case backingOff(attempt: Int, until: Duration)
        case stopping(CaptureReport.StopReason)
        case finished
    }

    public nonisolated let plan: CapturePlan
    public nonisolated let generation: Int
    public private(set) var state: State = .idle
    /// Written by the Supervisor without awaiting this actor, read by `run()` at each start.
    private let target: Mutex<CaptureTarget>
    private var backoff: RestartBackoff
    private let runtime: any CaptureRuntime
    private let reporter: any CaptureReporter
    private let clock: any CaptureClock
    private let grace: Duration
    private let stopSignal = StopSignal()

    public init(plan: CapturePlan, target: CaptureTarget, generation: Int, runtime: any CaptureRuntime,
                reporter: any CaptureReporter, clock: any CaptureClock, grace: Duration, backoff: RestartBackoff) {
        self.plan = plan
        self.target = Mutex(target)
        self.generation = generation
        self.runtime = runtime
        self.reporter = reporter
        self.clock = clock
        self.grace = grace
        self.backoff = backoff
    }

    /// Asks the capture to stop for `reason`; `run()` returns once it has. The first reason wins.
    public nonisolated func stop(_ reason: CaptureReport.StopReason) {
        stopSignal.fire(reason)
    }

    /// The containers to enter on the next (re)start; a running process is left alone, since
    /// every container of the Pod shares the network namespace it already captures.
    public nonisolated func retarget(_ target: CaptureTarget) {
        self.target.withLock { $0 = target }
    }

    /// Runs the capture until stopped or cancelled.
    public func run() async {
        var attempt = 0
        // Whether any tcpdump of this capture started: a capture that never ran is cancelled,
        // not stopped, and its report must say so.
        var ran = false
        while true {
            if let reason = stopSignal.reason { return await finish(reason, process: nil, ran: ran) }
            if Task.isCancelled { return await finish(.cancelled, process: nil, ran: ran) }
            attempt += 1
            state = .starting(attempt: attempt)
            let process: any CaptureProcess
            do {
                process = try await runtime.start(plan, target: target.withLock { $0 })
            } catch {
                let delay = backoff.failure(uptime: nil)
                switch error {
                case .notReady(let why): report(.waiting(reason: why, retryIn: delay))
                case .failed: report(.failed(reason: error.description, retryIn: delay, attempt: attempt))
                }
                if let reason = await backOff(attempt: attempt, delay: delay) {
                    return await finish(reason, process: nil, ran: ran)
                }
                continue
            }
            ran = true
            let since = clock.now
            state = .running(process: process, attempt: attempt, since: since)
            report(.started(pid: process.pid, container: process.container, files: process.files, attempt: attempt))
            switch await waitForExitOrStop(process) {
            case .stop(let reason):
                return await finish(reason, process: process, ran: true)
            case .exited(let exit):
                let delay = backoff.failure(uptime: clock.now - since)
                report(.failed(reason: exit.description, retryIn: delay, attempt: attempt))
                if let reason = await backOff(attempt: attempt, delay: delay) {
                    return await finish(reason, process: nil, ran: true)
                }
            }
        }
    }

    private enum Wake: Sendable {
        case exited(CaptureExit)
        case stop(CaptureReport.StopReason)
    }

    /// Whichever comes first: the process exits, a stop is requested, or the task is cancelled.
    private func waitForExitOrStop(_ process: any CaptureProcess) async -> Wake {
        let signal = stopSignal
        let wake: Wake? = await withTaskGroup(of: Wake?.self) { group in
            group.addTask { await process.waitForExit().map(Wake.exited) }
            group.addTask { await signal.wait().map(Wake.stop) }
            defer { group.cancelAll() }
            while let next = await group.next() {
                if let next { return next }
            }
            return nil
        }
        return wake ?? .stop(.cancelled)
    }

    /// Sleeps `delay` unless stopped first; returns the stop reason if there was one.
    private func backOff(attempt: Int, delay: Duration) async -> CaptureReport.StopReason? {
        state = .backingOff(attempt: attempt, until: clock.now + delay)
        let signal = stopSignal
        let clock = self.clock
        let stopped: CaptureReport.StopReason?? = await withTaskGroup(of: CaptureReport.StopReason??.self) { group in
            group.addTask {
                do { try await clock.sleep(for: delay) } catch { return nil }
                return .some(nil)
            }
            group.addTask { await signal.wait().map { .some($0) } }
            defer { group.cancelAll() }
            while let next = await group.next() {
                if let next { return next }
            }
            return nil
        }
        switch stopped {
        case .some(.some(let reason)): return reason
        case .some(.none): return nil
        case .none: return .cancelled
        }
    }

    /// Stops the process and deletes or keeps the files as `reason` says, then reports.
    private func finish(_ reason: CaptureReport.StopReason, process: (any CaptureProcess)?, ran: Bool) async {
        state = .stopping(reason)
        // Files that are no longer wanted go first: tcpdump's own exit takes 15–30 ms (the
        // kernel tears down its packet ring), and a user who removed the annotation should not
        // wait for that. tcpdump keeps writing to the unlinked inode until it exits, and a
        // rotation in between could create a file again, so the same exact names are removed
        // once more after the process is gone. `removeFiles` ignores cancellation by contract:
        // a half-cleaned capture would leave files that no Pod owns.
        var deleted: [String] = reason.deletesFiles ? await runtime.removeFiles(of: plan) : []
        if let process, !reason.deletesFiles, reason.isGraceful, !Task.isCancelled {
            // The files stay: let tcpdump write what the kernel already handed it.
            await process.drain()
        }
        let exit: CaptureExit? = if let process {
            reason.isGraceful && !Task.isCancelled ? await process.terminate(grace: grace) : await process.kill()
        } else {
            nil
        }
        if reason.deletesFiles {
            for path in await runtime.removeFiles(of: plan) where !deleted.contains(path) { deleted.append(path) }
        }
        report(.stopped(reason: reason, exit: exit, filesDeleted: deleted, ran: ran))
        state = .finished
    }

    private func report(_ change: CaptureReport.Change) {
        reporter.report(CaptureReport(pod: plan.pod, change: change))
    }
}
