@testable import Actors
import Synchronization

/// An in-memory node: fake capture processes and a fake capture directory.
///
/// It checks, as things happen, what no interleaving may ever do: run more processes than
/// allowed, write over another capture's file, or delete a file another capture owns.
final class FakeNode: CaptureRuntime {
    struct ProcessRecord {
        var uid: String
        var plan: CapturePlan
        var container: CaptureTarget.Container
        var exit: CaptureExit?
        var waiters: [Int: CheckedContinuation<CaptureExit?, Never>] = [:]
    }

    struct World {
        var processes: [Int32: ProcessRecord] = [:]
        var alive = 0
        var maxAlive = 0
        var started = 0
        /// path → UID of the capture that wrote it.
        var files: [String: String] = [:]
        var violations: [String] = []
        var nextPID: Int32 = 1000
        var nextWaiter = 0
        /// UIDs whose next start fails as "not ready".
        var notReady: Set<String> = []
        /// UIDs whose start finds no such interface in the Pod.
        var missingInterface: Set<String> = []
    }

    let world = Mutex(World())
    let limit: Int

    init(limit: Int) { self.limit = limit }

    func start(_ plan: CapturePlan, target: CaptureTarget) async throws(CaptureStartError) -> any CaptureProcess {
        let uid = plan.pod.uid
        guard let container = target.containers.first else { throw .notReady("no container") }
        let pid: Int32 = try world.withLock { (w: inout World) throws(CaptureStartError) -> Int32 in
            if w.notReady.remove(uid) != nil { throw .notReady("no process for \(container.containerID)") }
            if w.missingInterface.contains(uid) { throw .rejected(.interfaceNotFound(plan.interface, available: ["lo", "eth0"])) }
            let pid = w.nextPID
            w.nextPID += 1
            w.alive += 1
            w.started += 1
            w.maxAlive = max(w.maxAlive, w.alive)
            if w.alive > limit { w.violations.append("\(w.alive) processes alive, limit \(limit)") }
            w.processes[pid] = ProcessRecord(uid: uid, plan: plan, container: container)
            // tcpdump opens the first file at once; a restart rotates on from it.
            for path in plan.filePaths.prefix(2) {
                if let owner = w.files[path], owner != uid {
                    w.violations.append("\(plan.pod) writes \(path) owned by \(owner)")
                }
                w.files[path] = uid
            }
            return pid
        }
        return FakeProcess(pid: pid, container: container, files: plan.filePaths, node: self)
    }

    func removeFiles(of plan: CapturePlan) async -> [String] {
        world.withLock { w in
            var removed: [String] = []
            for path in plan.filePaths {
                guard let owner = w.files[path] else { continue }
                if owner != plan.pod.uid {
                    w.violations.append("\(plan.pod) deleted \(path) owned by \(owner)")
                    continue
                }
                w.files[path] = nil
                removed.append(path)
            }
            return removed
        }
    }

    /// Ends a process as if it had died; returns whether one was alive.
    @discardableResult
    func exit(pid: Int32, _ exit: CaptureExit) -> Bool {
        let waiters: [CheckedContinuation<CaptureExit?, Never>]? = world.withLock { w in
            guard var record = w.processes[pid], record.exit == nil else { return nil }
            record.exit = exit
            let waiters = Array(record.waiters.values)
            record.waiters = [:]
            w.processes[pid] = record
            w.alive -= 1
            return waiters
        }
        guard let waiters else { return false }
        for waiter in waiters { waiter.resume(returning: exit) }
        return true
    }

    /// Kills the live process of `uid`, if any, as an outside `kill -9` would.
    @discardableResult
    func crash(uid: String) -> Bool {
        let pid = world.withLock { w in w.processes.first { $0.value.uid == uid && $0.value.exit == nil }?.key }
        guard let pid else { return false }
        return exit(pid: pid, CaptureExit(status: .signaled(9)))
    }

    func waitForExit(pid: Int32) async -> CaptureExit? {
        let id = world.withLock { w in
            defer { w.nextWaiter += 1 }
            return w.nextWaiter
        }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<CaptureExit?, Never>) in
                let now: CaptureExit?? = world.withLock { w in
                    guard let record = w.processes[pid] else { return .some(nil) }
                    if let exit = record.exit { return .some(exit) }
                    if Task.isCancelled { return .some(nil) }
                    w.processes[pid]?.waiters[id] = continuation
                    return .none
                }
                if let now { continuation.resume(returning: now) }
            }
        } onCancel: {
            let waiter = world.withLock { $0.processes[pid]?.waiters.removeValue(forKey: id) }
            waiter?.resume(returning: nil)
        }
    }

    /// Live processes by UID.
    var aliveByUID: [String: ProcessRecord] {
        world.withLock { w in
            var out: [String: ProcessRecord] = [:]
            for record in w.processes.values where record.exit == nil { out[record.uid] = record }
            return out
        }
    }

    /// Forgets exited processes so long simulations stay small.
    func pruneExited() {
        world.withLock { w in w.processes = w.processes.filter { $0.value.exit == nil } }
    }
}

/// A process of `FakeNode`.
struct FakeProcess: CaptureProcess {
    let pid: Int32
    let container: CaptureTarget.Container
    let files: [String]
    let node: FakeNode

    func waitForExit() async -> CaptureExit? { await node.waitForExit(pid: pid) }

    func terminate(grace: Duration) async -> CaptureExit {
        node.exit(pid: pid, CaptureExit(status: .exited(0),
                                        statistics: CaptureStatistics(captured: 1, receivedByFilter: 1, droppedByKernel: 0)))
        return await node.waitForExit(pid: pid) ?? CaptureExit(status: .exited(0))
    }

    func kill() async -> CaptureExit {
        node.exit(pid: pid, CaptureExit(status: .signaled(9)))
        return await node.waitForExit(pid: pid) ?? CaptureExit(status: .signaled(9))
    }
}

/// Counts reports by kind; the simulation checks them against what happened.
final class RecordingReporter: CaptureReporter {
    let reports = Mutex<[CaptureReport]>([])
    let keep: Bool
    let counts = Mutex<[String: Int]>([:])

    init(keep: Bool = true) { self.keep = keep }

    func report(_ report: CaptureReport) {
        let kind: String = switch report.change {
        case .queued: "queued"
        case .started(_, _, _, let attempt): attempt == 1 ? "started" : "restarted"
        case .failed: "failed"
        case .waiting: "waiting"
        case .stopped: "stopped"
        case .rejected: "rejected"
        case .completed: "completed"
        case .progress: "progress"
        }
        counts.withLock { $0[kind, default: 0] += 1 }
        if keep { reports.withLock { $0.append(report) } }
    }
}
