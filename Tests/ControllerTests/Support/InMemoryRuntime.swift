import Actors
import Synchronization

/// Fake capture processes for controller tests that exercise the API path, not the node.
final class InMemoryRuntime: CaptureRuntime {
    struct Record {
        var plan: CapturePlan
        var exit: CaptureExit?
        var waiters: [Int: CheckedContinuation<CaptureExit?, Never>] = [:]
    }

    private let state = Mutex<(processes: [Int32: Record], next: Int32, files: Set<String>)>(([:], 100, []))

    /// Live processes by Pod name.
    var alive: [String: CapturePlan] {
        state.withLock { s in
            var out: [String: CapturePlan] = [:]
            for record in s.processes.values where record.exit == nil { out[record.plan.pod.name] = record.plan }
            return out
        }
    }

    var files: Set<String> { state.withLock { $0.files } }

    func start(_ plan: CapturePlan, target: CaptureTarget) async throws(CaptureStartError) -> any CaptureProcess {
        guard let container = target.containers.first else { throw .notReady("no container") }
        let pid = state.withLock { s in
            s.next += 1
            s.processes[s.next] = Record(plan: plan)
            s.files.insert(plan.filePaths[0])
            return s.next
        }
        return InMemoryProcess(pid: pid, container: container, files: plan.filePaths, runtime: self)
    }

    func removeFiles(of plan: CapturePlan) async -> [String] {
        state.withLock { s in plan.filePaths.filter { s.files.remove($0) != nil } }
    }

    func end(_ pid: Int32, _ exit: CaptureExit) -> CaptureExit {
        let (waiters, final) = state.withLock { s -> ([CheckedContinuation<CaptureExit?, Never>], CaptureExit) in
            guard var record = s.processes[pid] else { return ([], exit) }
            if let done = record.exit { return ([], done) }
            record.exit = exit
            let waiters = Array(record.waiters.values)
            record.waiters = [:]
            s.processes[pid] = record
            return (waiters, exit)
        }
        for waiter in waiters { waiter.resume(returning: final) }
        return final
    }

    /// The exit of `pid`; `nil` promptly if the waiting task is cancelled, as the protocol requires.
    func wait(_ pid: Int32) async -> CaptureExit? {
        let id = state.withLock { s in
            s.next += 1
            return Int(s.next)
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<CaptureExit?, Never>) in
                let done: CaptureExit?? = state.withLock { s in
                    guard let record = s.processes[pid] else { return .some(nil) }
                    if let exit = record.exit { return .some(exit) }
                    if Task.isCancelled { return .some(nil) }
                    s.processes[pid]?.waiters[id] = continuation
                    return .none
                }
                if let done { continuation.resume(returning: done) }
            }
        } onCancel: {
            let waiter = state.withLock { $0.processes[pid]?.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: nil)
        }
    }
}

struct InMemoryProcess: CaptureProcess {
    let pid: Int32
    let container: CaptureTarget.Container
    let files: [String]
    let runtime: InMemoryRuntime

    func waitForExit() async -> CaptureExit? { await runtime.wait(pid) }
    func terminate(grace: Duration) async -> CaptureExit {
        runtime.end(pid, CaptureExit(status: .exited(0), statistics: CaptureStatistics(captured: 7, receivedByFilter: 7, droppedByKernel: 0)))
    }
    func kill() async -> CaptureExit { runtime.end(pid, CaptureExit(status: .signaled(9))) }
}
