import Actors
import Synchronization

/// A `CaptureRuntime` whose processes are in-memory: `start` returns at once (after the
/// optional `onStart` hook), `terminate`/`kill` end the process immediately. For benchmarks
/// of the Supervisor's own cost, where a real tcpdump would measure the kernel instead.
struct FakeCaptureRuntime: CaptureRuntime {
    /// Called at the start of every `start`; `controller_overhead` does its real work here.
    var onStart: @Sendable (CapturePlan, CaptureTarget) throws(CaptureStartError) -> Void = { _, _ in }
    let counter = StartCounter()
    var started: Int { counter.value.load(ordering: .relaxed) }

    func start(_ plan: CapturePlan, target: CaptureTarget) async throws(CaptureStartError) -> any CaptureProcess {
        try onStart(plan, target)
        let pid = Int32(truncatingIfNeeded: counter.value.add(1, ordering: .relaxed).newValue)
        return FakeCaptureProcess(pid: pid, container: target.containers[0], files: plan.filePaths)
    }

    func removeFiles(of plan: CapturePlan) async -> [String] { [] }
}

/// How many fake processes were started.
final class StartCounter: Sendable {
    let value = Atomic<Int>(0)
}

/// A process that "runs" until it is terminated or killed.
final class FakeCaptureProcess: CaptureProcess {
    let pid: Int32
    let container: CaptureTarget.Container
    let files: [String]
    private let exit = OneShotExit()

    init(pid: Int32, container: CaptureTarget.Container, files: [String]) {
        self.pid = pid
        self.container = container
        self.files = files
    }

    func waitForExit() async -> CaptureExit? { await exit.wait() }

    func terminate(grace: Duration) async -> CaptureExit {
        exit.fulfill(CaptureExit(status: .signaled(15), statistics: CaptureStatistics(captured: 0, receivedByFilter: 0, droppedByKernel: 0)))
        return await exit.wait() ?? CaptureExit(status: .signaled(15))
    }

    func kill() async -> CaptureExit {
        exit.fulfill(CaptureExit(status: .signaled(9)))
        return await exit.wait() ?? CaptureExit(status: .signaled(9))
    }
}

/// A value set once; waiters resume when it is set, or with `nil` when their task is cancelled.
final class OneShotExit: Sendable {
    private struct State {
        var value: CaptureExit?
        var waiters: [Int: CheckedContinuation<CaptureExit?, Never>] = [:]
        var next = 0
    }

    private let state = Mutex(State())

    func fulfill(_ value: CaptureExit) {
        let waiters = state.withLock { state -> [CheckedContinuation<CaptureExit?, Never>] in
            guard state.value == nil else { return [] }
            state.value = value
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: value) }
    }

    func wait() async -> CaptureExit? {
        let id = state.withLock { state in
            state.next += 1
            return state.next
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow: CaptureExit?? = state.withLock { state in
                    if let value = state.value { return .some(value) }
                    if Task.isCancelled { return .some(nil) }
                    state.waiters[id] = continuation
                    return .none
                }
                if let resumeNow { continuation.resume(returning: resumeNow) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: nil)
        }
    }
}
