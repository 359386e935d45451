import CaptureOptions
import Synchronization

/// Owns one capture: its process, its restarts, and its files.
///
/// `run()` starts the process, restarts it with backoff when it dies, and returns once the
/// capture was stopped (`.finished`: by `stop(_:)`, files deleted if no longer wanted, or by
/// cancellation, SIGKILL, files kept) or ended by itself (`.ended`: completed by its duration,
/// packet count or `stop-on`, or rejected once the Pod's namespace was entered). An ended
/// capture has no process but still owns its files: `awaitRemoval()` keeps them until the
/// stop comes. State is re-checked after every `await`, since `stop`, `complete` or `retarget`
/// may have arrived meanwhile.
public actor CaptureActor {
    /// Where the capture is in its life; only `run()` and `awaitRemoval()` change it.
    public enum State: Sendable {
        case idle
        case starting(attempt: Int)
        case running(process: any CaptureProcess, attempt: Int, since: Duration)
        case backingOff(attempt: Int, until: Duration)
        case completing(CaptureReport.CompletionReason)
        /// Ended by itself; no process, files kept until the annotation goes.
        case ended
        case stopping(CaptureReport.StopReason)
        case finished
    }

    /// How `run()` returned.
    public enum Outcome: Sendable, Hashable {
        /// Stopped (or cancelled): process reaped, files handled, nothing left to do.
        case finished
        /// Ended by itself: call `awaitRemoval()` to keep its files until it is stopped.
        case ended
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
    /// Already completed before podcap restarted: `run()` only hands the files over.
    private let resumesCompleted: Bool
    /// How often a running capture asks tcpdump for its counters (`progress` reports); `nil`: never.
    private let progressInterval: Duration?
    /// Whether any tcpdump of this capture started: a capture that never ran is cancelled,
    /// not stopped, and its report must say so.
    private var ran = false
    private let stopSignal = StopSignal<CaptureReport.StopReason>()
    private let completeSignal = StopSignal<CaptureReport.CompletionReason>()

    public init(plan: CapturePlan, target: CaptureTarget, generation: Int, runtime: any CaptureRuntime,
                reporter: any CaptureReporter, clock: any CaptureClock, grace: Duration, backoff: RestartBackoff,
                resumesCompleted: Bool = false, progressInterval: Duration? = nil) {
        self.plan = plan
        self.target = Mutex(target)
        self.generation = generation
        self.runtime = runtime
        self.reporter = reporter
        self.clock = clock
        self.grace = grace
        self.backoff = backoff
        self.resumesCompleted = resumesCompleted
        self.progressInterval = progressInterval
    }

    /// Asks the capture to stop for `reason`; `run()` (or `awaitRemoval()`) returns once it has.
    /// The first reason wins.
    public nonisolated func stop(_ reason: CaptureReport.StopReason) {
        stopSignal.fire(reason)
    }

    /// Ends the capture by itself (`stop-on` seen in the Pod status): tcpdump stops, files stay.
    public nonisolated func complete(_ reason: CaptureReport.CompletionReason) {
        completeSignal.fire(reason)
    }

    /// The containers to enter on the next (re)start; a running process is left alone, since
    /// every container of the Pod shares the network namespace it already captures.
    public nonisolated func retarget(_ target: CaptureTarget) {
        self.target.withLock { $0 = target }
    }

    /// Runs the capture until it is stopped, cancelled, or ends by itself.
    public func run() async -> Outcome {
        if resumesCompleted {
            ran = true
            state = .ended
            return .ended
        }
        var attempt = 0
        // `duration` counts from the first start and does not restart with tcpdump.
        var deadline: Duration?
        var files = plan.filePaths
        while true {
            if let reason = stopSignal.reason { return await finish(reason, process: nil) }
            if Task.isCancelled { return await finish(.cancelled, process: nil) }
            if let reason = completeSignal.reason { return await complete(reason, process: nil, exit: nil, files: files) }
            if let deadline, let duration = plan.options.duration, clock.now >= deadline {
                return await complete(.duration(duration), process: nil, exit: nil, files: files)
            }
            attempt += 1
            state = .starting(attempt: attempt)
            let process: any CaptureProcess
            do {
                process = try await runtime.start(plan, target: target.withLock { $0 })
            } catch {
                switch error {
                case .rejected(let rejection):
                    report(.rejected(rejection))
                    state = .ended
                    return .ended
                case .completed(let reason):
                    return await complete(reason, process: nil, exit: nil, files: files)
                case .notReady, .failed:
                    break
                }
                let delay = backoff.failure(uptime: nil)
                switch error {
                case .notReady(let why): report(.waiting(reason: why, retryIn: delay))
                default: report(.failed(reason: error.description, retryIn: delay, attempt: attempt))
                }
                if let wake = await backOff(attempt: attempt, delay: delay, deadline: deadline) {
                    return await handle(wake, process: nil, files: files)
                }
                continue
            }
            ran = true
            files = process.files
            let since = clock.now
            if deadline == nil, let duration = plan.options.duration { deadline = since + duration }
            state = .running(process: process, attempt: attempt, since: since)
            report(.started(pid: process.pid, container: process.container, files: process.files, attempt: attempt))
            var exit: CaptureExit?
            var counted: CaptureStatistics?
            while exit == nil {
                switch await waitForExitOrStop(process, deadline: deadline) {
                case .interrupted(let interrupt): return await handle(interrupt, process: process, files: files)
                case .exited(let how): exit = how
                case .tick:
                    // Only a change is worth a status write.
                    if let now = await process.statistics(), now != counted {
                        counted = now
                        report(.progress(statistics: now, files: files))
                    }
                }
            }
            guard let exit else { continue }
            // `-c N` makes tcpdump exit by itself, with status 0, once it has its packets.
            if let count = plan.options.packets, exit.status == .exited(0) {
                return await complete(.packetCount(count), process: nil, exit: exit, files: files)
            }
            let delay = backoff.failure(uptime: clock.now - since)
            report(.failed(reason: exit.description, retryIn: delay, attempt: attempt))
            if let wake = await backOff(attempt: attempt, delay: delay, deadline: deadline) {
                return await handle(wake, process: nil, files: files)
            }
        }
    }

    /// Keeps an ended capture's files until it is stopped, then deletes them or keeps them as
    /// the reason says. Cancellation keeps them.
    public func awaitRemoval() async {
        guard case .ended = state else { return }
        let reason = await stopSignal.wait() ?? .cancelled
        switch reason {
        case .shutdown, .cancelled:
            // The status keeps saying completed, which is how the next podcap knows not to rerun it.
            state = .finished
        case .annotationRemoved, .fileCountChanged, .optionsChanged, .podGone:
            _ = await finish(reason, process: nil)
        }
    }

    /// What ends a wait other than the process exiting.
    private enum Interrupt: Sendable {
        case stop(CaptureReport.StopReason)
        case complete(CaptureReport.CompletionReason)
        case deadline
    }

    private enum Wake: Sendable {
        case exited(CaptureExit)
        case interrupted(Interrupt)
        /// Time to ask for the counters again.
        case tick
    }

    private func handle(_ interrupt: Interrupt, process: (any CaptureProcess)?, files: [String]) async -> Outcome {
        switch interrupt {
        case .stop(let reason):
            await finish(reason, process: process)
        case .complete(let reason):
            await complete(reason, process: process, exit: nil, files: files)
        case .deadline:
            await complete(.duration(plan.options.duration ?? .zero), process: process, exit: nil, files: files)
        }
    }

    /// Whichever comes first: the process exits, a stop or completion is requested, the
    /// duration ends, a watched container ends, or the task is cancelled.
    private func waitForExitOrStop(_ process: any CaptureProcess, deadline: Duration?) async -> Wake {
        let stop = stopSignal
        let complete = completeSignal
        let clock = self.clock
        let watchContainers = plan.options.stopOn == .containerRestart
        let progressInterval = self.progressInterval
        let wake: Wake? = await withTaskGroup(of: Wake?.self) { group in
            if let progressInterval {
                group.addTask {
                    let delay = ProgressRound.delay(now: clock.now, interval: progressInterval)
                    do { try await clock.sleep(for: delay) } catch { return nil }
                    return .tick
                }
            }
            group.addTask { await process.waitForExit().map(Wake.exited) }
            group.addTask { await stop.wait().map { .interrupted(.stop($0)) } }
            group.addTask { await complete.wait().map { .interrupted(.complete($0)) } }
            if let deadline {
                group.addTask {
                    do { try await clock.sleep(for: deadline - clock.now) } catch { return nil }
                    return .interrupted(.deadline)
                }
            }
            if watchContainers {
                group.addTask {
                    await process.containerEnded().map {
                        .interrupted(.complete(.containerRestarted(container: $0.container, detail: $0.detail)))
                    }
                }
            }
            defer { group.cancelAll() }
            while let next = await group.next() {
                if let next { return next }
            }
            return nil
        }
        return wake ?? .interrupted(.stop(.cancelled))
    }

    /// Sleeps `delay` unless stopped, completed or out of time first; returns why it woke early.
    private func backOff(attempt: Int, delay: Duration, deadline: Duration?) async -> Interrupt? {
        state = .backingOff(attempt: attempt, until: clock.now + delay)
        let stop = stopSignal
        let complete = completeSignal
        let clock = self.clock
        let sleep = deadline.map { min(delay, $0 - clock.now) } ?? delay
        let woke: Interrupt?? = await withTaskGroup(of: Interrupt??.self) { group in
            group.addTask {
                do { try await clock.sleep(for: sleep) } catch { return nil }
                return .some(sleep < delay ? .deadline : nil)
            }
            group.addTask { await stop.wait().map { .some(.stop($0)) } }
            group.addTask { await complete.wait().map { .some(.complete($0)) } }
            defer { group.cancelAll() }
            while let next = await group.next() {
                if let next { return next }
            }
            return nil
        }
        switch woke {
        case .some(let wake): return wake
        case .none: return .stop(.cancelled)
        }
    }

    /// Ends the capture by itself: tcpdump writes what it has and stops, the files stay.
    private func complete(_ reason: CaptureReport.CompletionReason, process: (any CaptureProcess)?, exit: CaptureExit?,
                          files: [String]) async -> Outcome {
        state = .completing(reason)
        var exit = exit
        if let process {
            if Task.isCancelled {
                exit = await process.kill()
            } else {
                await process.drain()
                exit = await process.terminate(grace: grace)
            }
        }
        report(.completed(reason: reason, exit: exit, files: files))
        state = .ended
        return .ended
    }

    /// Stops the process and deletes or keeps the files as `reason` says, then reports.
    private func finish(_ reason: CaptureReport.StopReason, process: (any CaptureProcess)?) async -> Outcome {
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
        return .finished
    }

    private func report(_ change: CaptureReport.Change) {
        reporter.report(CaptureReport(pod: plan.pod, change: change, spec: plan.spec))
    }
}
