import CaptureOptions
import KubeModel

/// The Supervisor's decisions as a pure value: inputs in, `Action`s out, no I/O.
///
/// It is level-triggered: every input re-derives what the affected Pod wants from the Pod
/// object itself, so duplicate, stale or reordered events converge to the same result.
/// Captures are keyed by Pod UID; a capture holds one of `maxConcurrent` slots from its start
/// until its process was reaped and its files handled, and waiting captures start in FIFO order.
public struct SupervisorStateMachine: Sendable {
    /// What the caller must do; performed in order.
    public enum Action: Sendable, Hashable {
        /// Create a `CaptureActor` for `plan` and run it in a slot; `completed`: the capture
        /// already completed before podcap restarted, so the actor only keeps (and later
        /// deletes) its files and holds no slot.
        case start(uid: String, generation: Int, plan: CapturePlan, target: CaptureTarget, completed: Bool)
        /// `stop-on` fired: end the capture by itself, keeping its files.
        case complete(uid: String, generation: Int, reason: CaptureReport.CompletionReason)
        /// Ask a running capture to stop; it reports `captureFinished` when done.
        case stop(uid: String, generation: Int, reason: CaptureReport.StopReason)
        /// The Pod's running containers changed; the next (re)start uses the new target.
        case retarget(uid: String, generation: Int, target: CaptureTarget)
        case report(CaptureReport)
        /// Shutdown is complete: no capture runs any more.
        case finished
    }

    /// What the machine knows of one annotated Pod.
    struct PodEntry: Sendable {
        var pod: PodRef
        var request: CaptureRequest
        var readiness: PodReadiness
        var onNode: Bool
        /// The rejection last reported, so a re-sent Pod does not repeat its Event.
        var reported: CaptureRejection?
        /// The `tcpdump.antrea.io*` annotations `request` was parsed from: parsing (a filter
        /// is compiled by libpcap) is repeated only when they change.
        var source: [String: String]
        /// The containers' restart state, kept only for `stop-on: container-restart`.
        var status: PodStatus?
        /// The key of a capture the status annotation says completed, as read when podcap first
        /// saw the Pod (after a restart): that capture is not run again.
        var completedKey: String?
    }

    /// A capture that holds (or waits for) a slot.
    enum Slot: Sendable {
        case queued(plan: CapturePlan, target: CaptureTarget, ticket: Int)
        /// `marks`: the containers at start, while `stop-on: container-restart` has not fired.
        case running(plan: CapturePlan, generation: Int, marks: ContainerMarks?)
        /// Completed (or rejected once the namespace was entered): no process, so no slot, but
        /// the files and their claim and disk reservation stay until the annotation goes.
        case ended(plan: CapturePlan, generation: Int)
        /// `restarting`: stopped for a new file count or options, so the Pod's status says a new
        /// capture follows. `active`: it still holds one of the `maxConcurrent` slots.
        case stopping(plan: CapturePlan, generation: Int, restarting: Bool, active: Bool)

        var plan: CapturePlan {
            switch self {
            case .queued(let plan, _, _), .running(let plan, _, _), .ended(let plan, _), .stopping(let plan, _, _, _): plan
            }
        }
    }

    public let maxConcurrent: Int
    public let nodeName: String?
    public let settings: CaptureSettings
    /// `--max-disk-mb` in bytes; `nil` for no budget.
    public let diskBudgetBytes: Int?

    private var pods: [String: PodEntry] = [:]
    private var slots: [String: Slot] = [:]
    /// FIFO of `(uid, ticket)`; an entry whose ticket no longer matches its slot is skipped.
    private var queue = FIFO<(uid: String, ticket: Int)>()
    private var queuedCount = 0
    /// Entries in `queue` whose capture left the queue early; compacted once they dominate,
    /// so annotation churn on waiting Pods cannot grow the queue without bound.
    private var staleInQueue = 0
    private var nextTicket = 0
    private var nextGeneration = 0
    /// Slots taken by running or stopping captures.
    public private(set) var activeCount = 0
    /// Which Pod UID owns a file base name: two captures must never write the same files.
    private var claims: [String: String] = [:]
    private var reservedBytes = 0
    /// UIDs that could not be admitted because of a claim or the disk budget; re-examined
    /// whenever a capture releases its claim.
    private var blocked: [String] = []
    private var shuttingDown = false
    /// Last resourceVersion seen per tracked UID, kept after the annotation goes so that a
    /// stale copy of the Pod (an older resourceVersion) cannot bring a capture back.
    private var seenVersions: [String: UInt64] = [:]
    /// Recently deleted UIDs: a late event about them must not resurrect the Pod.
    private var deleted = RecentSet(capacity: 4096)
    /// Completion markers in status annotations are read only from the first list: a capture
    /// that completed under an earlier podcap is in it. Later, a marker can only be one whose
    /// removal is still on its way (the annotation was removed and added again), and trusting it
    /// would never start the new capture.
    private var listedOnce = false

    public init(maxConcurrent: Int, nodeName: String?, settings: CaptureSettings, diskBudgetMB: Int? = nil) {
        precondition(maxConcurrent >= 1, "maxConcurrent must be at least 1")
        self.maxConcurrent = maxConcurrent
        self.nodeName = nodeName
        self.settings = settings
        self.diskBudgetBytes = diskBudgetMB.map { $0 * 1_000_000 }
    }

    // MARK: Inputs

    /// An ADDED or MODIFIED Pod.
    public mutating func podChanged(_ pod: Pod, into actions: inout [Action]) {
        podChanged(pod, readingCompletionMarker: false, into: &actions)
    }

    private mutating func podChanged(_ pod: Pod, readingCompletionMarker: Bool, into actions: inout [Action]) {
        guard !shuttingDown else { return }
        let uid = pod.metadata.uid
        guard !deleted.contains(uid) else { return }
        // resourceVersions are opaque to clients in general, but both etcd-backed servers and
        // KubeSim issue increasing integers; when two parse, the older one is a stale copy.
        let version = pod.metadata.resourceVersion.flatMap(UInt64.init)
        if let version, let seen = seenVersions[uid], version < seen { return }
        let annotations = pod.metadata.annotations
        if annotations[captureAnnotation] == nil, pods[uid] == nil, slots[uid] == nil {
            if let version, seenVersions[uid] != nil { seenVersions[uid] = version }
            return
        }
        let source = Self.captureAnnotations(annotations)
        let request = if let known = pods[uid], known.source == source {
            known.request
        } else {
            CaptureRequest.parse(annotations: annotations, maxFiles: settings.maxFiles, limits: settings.optionLimits)
        }
        if let version { seenVersions[uid] = version }
        let onNode = nodeName == nil || pod.spec.nodeName == nodeName
        let marker = readingCompletionMarker ? annotations[OptionAnnotation.status].flatMap(CompletionMarker.key(inStatus:)) : nil
        var entry = pods[uid] ?? PodEntry(pod: PodRef(pod), request: request, readiness: .notReady(""), onNode: onNode,
                                          source: source, completedKey: marker)
        entry.pod = PodRef(pod)
        entry.request = request
        entry.source = source
        entry.readiness = PodReadiness(pod)
        entry.onNode = onNode
        if case .capture(let spec) = request, spec.options.stopOn == .containerRestart {
            entry.status = pod.status
        } else {
            entry.status = nil
        }
        if case .none = request, slots[uid] == nil {
            // A rejection is on the Pod's status; with the annotation gone it is no longer true.
            if pods[uid]?.reported != nil {
                actions.append(.report(CaptureReport(pod: entry.pod, change: .stopped(
                    reason: .annotationRemoved, exit: nil, filesDeleted: [], ran: false))))
            }
            pods[uid] = nil
            removeBlocked(uid)
            return
        }
        pods[uid] = entry
        reconcile(uid, into: &actions)
    }

    /// A DELETED Pod.
    public mutating func podDeleted(uid: String, into actions: inout [Action]) {
        guard !shuttingDown else { return }
        if seenVersions.removeValue(forKey: uid) != nil { deleted.insert(uid) }
        guard pods.removeValue(forKey: uid) != nil || slots[uid] != nil else { return }
        reconcile(uid, into: &actions)
    }

    /// A full relist: Pods absent from `current` are gone.
    public mutating func resynced(_ current: [Pod], into actions: inout [Action]) {
        guard !shuttingDown else { return }
        var present = Set<String>(minimumCapacity: current.count)
        for pod in current { present.insert(pod.metadata.uid) }
        let known = Set(pods.keys).union(slots.keys)
        for uid in known where !present.contains(uid) {
            podDeleted(uid: uid, into: &actions)
        }
        let first = !listedOnce
        listedOnce = true
        for pod in current { podChanged(pod, readingCompletionMarker: first, into: &actions) }
    }

    /// A capture ended by itself (completed, or rejected once started): its process is gone and
    /// its slot is free for the next capture; its files, claim and reservation stay.
    public mutating func captureEnded(uid: String, generation: Int, into actions: inout [Action]) {
        switch slots[uid] {
        case .running(let plan, let g, _) where g == generation:
            slots[uid] = .ended(plan: plan, generation: g)
        case .stopping(let plan, let g, let restarting, true) where g == generation:
            // A stop crossed the completion; the capture finishes that stop without a process.
            slots[uid] = .stopping(plan: plan, generation: g, restarting: restarting, active: false)
        default:
            return
        }
        activeCount -= 1
        if shuttingDown {
            if activeCount == 0 { actions.append(.finished) }
            return
        }
        fillSlots(into: &actions)
    }

    /// A capture's task returned: its process was reaped and its files handled.
    public mutating func captureFinished(uid: String, generation: Int, into actions: inout [Action]) {
        guard let slot = slots[uid] else { return }
        var active = true
        switch slot {
        case .running(_, let g, _):
            guard g == generation else { return }
        case .stopping(_, let g, _, let a):
            guard g == generation else { return }
            active = a
        case .ended(_, let g):
            guard g == generation else { return }
            active = false
        case .queued:
            return
        }
        slots[uid] = nil
        if active { activeCount -= 1 }
        release(slot.plan, uid: uid)
        if shuttingDown {
            if activeCount == 0, active { actions.append(.finished) }
            return
        }
        // The status says a capture with the new count follows; if the annotation went meanwhile,
        // none will, and the status must say so.
        if case .stopping(_, _, true, _) = slot, case .none(.annotationRemoved) = desire(uid), let pod = pods[uid]?.pod {
            actions.append(.report(CaptureReport(pod: pod, change: .stopped(
                reason: .annotationRemoved, exit: nil, filesDeleted: [], ran: false))))
        }
        // A capture that ended by itself (it never does while desired) or finished stopping:
        // the Pod may want a fresh one (file count changed), and its slot and claim are free.
        reconcile(uid, into: &actions)
        retryBlocked(into: &actions)
        fillSlots(into: &actions)
    }

    /// Graceful shutdown: admit nothing more, stop every running capture keeping its files.
    public mutating func shutdown(into actions: inout [Action]) {
        guard !shuttingDown else { return }
        shuttingDown = true
        for (uid, slot) in slots {
            switch slot {
            case .queued(let plan, _, _):
                slots[uid] = nil
                release(plan, uid: uid)
            case .running(let plan, let generation, _):
                slots[uid] = .stopping(plan: plan, generation: generation, restarting: false, active: true)
                actions.append(.stop(uid: uid, generation: generation, reason: .shutdown))
            case .ended(let plan, let generation):
                slots[uid] = .stopping(plan: plan, generation: generation, restarting: false, active: false)
                actions.append(.stop(uid: uid, generation: generation, reason: .shutdown))
            case .stopping:
                break
            }
        }
        queue.removeAll()
        queuedCount = 0
        staleInQueue = 0
        if activeCount == 0 { actions.append(.finished) }
    }

    // MARK: Queries (for invariants, metrics and tests)

    /// UIDs whose capture holds a slot, running or stopping.
    public var activeUIDs: [String] {
        slots.compactMap { uid, slot in
            switch slot {
            case .queued, .ended, .stopping(_, _, _, false): nil
            case .running, .stopping: uid
            }
        }
    }

    /// UIDs of captures that ended by themselves and keep their files.
    public var endedUIDs: [String] {
        slots.compactMap { uid, slot in
            if case .ended = slot { return uid }
            return nil
        }
    }

    /// UIDs waiting for a slot, in the order they will start.
    public var queuedUIDs: [String] {
        queue.elements.compactMap { item in
            if case .queued(_, _, let ticket) = slots[item.uid], ticket == item.ticket { return item.uid }
            return nil
        }
    }

    /// The plan of the capture running (not stopping) for `uid`.
    public func runningPlan(uid: String) -> CapturePlan? {
        if case .running(let plan, _, _) = slots[uid] { return plan }
        return nil
    }

    /// Whether a stop was requested and the capture has not finished yet.
    public func isStopping(uid: String) -> Bool {
        if case .stopping = slots[uid] { return true }
        return false
    }

    public var isShuttingDown: Bool { shuttingDown }

    // MARK: Reconciliation

    /// The plan `uid` should be capturing with now, or why it should not capture.
    private enum Desire {
        case capture(CapturePlan, CaptureTarget?)
        case none(CaptureReport.StopReason)
    }

    private func desire(_ uid: String) -> Desire {
        guard let entry = pods[uid], entry.onNode else { return .none(.podGone) }
        switch entry.readiness {
        case .terminating: return .none(.podGone)
        case .notReady, .ready: break
        }
        guard case .capture(let spec) = entry.request else { return .none(.annotationRemoved) }
        let target: CaptureTarget? = if case .ready(let t) = entry.readiness { t } else { nil }
        return .capture(CapturePlan(pod: entry.pod, fileCount: spec.fileCount, settings: settings, options: spec.options), target)
    }

    private mutating func reconcile(_ uid: String, into actions: inout [Action]) {
        let desire = desire(uid)
        reportRejectionIfNew(uid, into: &actions)
        switch (desire, slots[uid]) {
        case (.none, nil):
            removeBlocked(uid)
            if pods[uid].map({ if case .none = $0.request { true } else { false } }) ?? true {
                pods[uid] = nil
            }
        case (.none(let reason), .queued(let plan, _, _)):
            slots[uid] = nil
            leaveQueue()
            release(plan, uid: uid)
            // The Pod's status says queued: say the wait ended without a capture.
            if let pod = pods[uid]?.pod {
                actions.append(.report(CaptureReport(pod: pod, change: .stopped(
                    reason: reason, exit: nil, filesDeleted: [], ran: false))))
            }
            retryBlocked(into: &actions)
        case (.none(let reason), .running(let plan, let generation, _)):
            slots[uid] = .stopping(plan: plan, generation: generation, restarting: false, active: true)
            actions.append(.stop(uid: uid, generation: generation, reason: reason))
        case (.none(let reason), .ended(let plan, let generation)):
            slots[uid] = .stopping(plan: plan, generation: generation, restarting: false, active: false)
            actions.append(.stop(uid: uid, generation: generation, reason: reason))
        case (.none, .stopping):
            break
        case (.capture(let plan, let target), nil):
            if let key = pods[uid]?.completedKey {
                // Read once, when podcap first saw the Pod: a later start is a new capture.
                pods[uid]?.completedKey = nil
                if key == plan.spec.key {
                    resumeCompleted(uid, plan: plan, target: target, into: &actions)
                    return
                }
            }
            // Readiness gates admission only: a capture that runs keeps running (and retries
            // by itself) while its container restarts, so a crash loop is captured, not lost.
            guard let target else { return }
            admit(uid, plan: plan, target: target, into: &actions)
        case (.capture(let plan, let target), .queued(let queuedPlan, let queuedTarget, let ticket)):
            if plan == queuedPlan {
                if let target, target != queuedTarget {
                    slots[uid] = .queued(plan: plan, target: target, ticket: ticket)
                }
            } else {
                // Not started yet: re-admit with the new plan (its claim and budget may differ).
                slots[uid] = nil
                leaveQueue()
                release(queuedPlan, uid: uid)
                if let target { admit(uid, plan: plan, target: target, into: &actions) }
            }
        case (.capture(let plan, let target), .running(let runningPlan, let generation, let marks)):
            if plan == runningPlan {
                if let target { actions.append(.retarget(uid: uid, generation: generation, target: target)) }
                if let marks, let status = pods[uid]?.status, let change = marks.change(to: status) {
                    slots[uid] = .running(plan: runningPlan, generation: generation, marks: nil)
                    actions.append(.complete(uid: uid, generation: generation,
                                             reason: .containerRestarted(container: change.container, detail: change.detail)))
                }
            } else {
                slots[uid] = .stopping(plan: runningPlan, generation: generation, restarting: true, active: true)
                actions.append(.stop(uid: uid, generation: generation, reason: Self.restartReason(from: runningPlan, to: plan)))
            }
        case (.capture(let plan, _), .ended(let endedPlan, let generation)):
            // Completed: kept as it is until the request changes; then its files go first.
            if plan != endedPlan {
                slots[uid] = .stopping(plan: endedPlan, generation: generation, restarting: true, active: false)
                actions.append(.stop(uid: uid, generation: generation, reason: Self.restartReason(from: endedPlan, to: plan)))
            }
        case (.capture, .stopping):
            // The new capture starts once the old one has stopped and its files are gone.
            break
        }
    }

    private static func restartReason(from old: CapturePlan, to new: CapturePlan) -> CaptureReport.StopReason {
        old.fileCount != new.fileCount ? .fileCountChanged : .optionsChanged
    }

    /// The `tcpdump.antrea.io` annotations that shape a request (all but podcap's own status).
    static func captureAnnotations(_ annotations: [String: String]) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in annotations where key.utf8.starts(with: captureAnnotation.utf8) && key != OptionAnnotation.status {
            out[key] = value
        }
        return out
    }

    /// A capture that completed before podcap restarted: claim its files and budget again and
    /// keep them, with an actor that only waits to delete them; it takes no slot.
    private mutating func resumeCompleted(_ uid: String, plan: CapturePlan, target: CaptureTarget?, into actions: inout [Action]) {
        guard claimAndReserve(uid, plan: plan, into: &actions) else { return }
        let generation = nextGeneration
        nextGeneration += 1
        slots[uid] = .ended(plan: plan, generation: generation)
        actions.append(.start(uid: uid, generation: generation, plan: plan,
                              target: target ?? CaptureTarget(pod: plan.pod, containers: []), completed: true))
    }

    private mutating func admit(_ uid: String, plan: CapturePlan, target: CaptureTarget, into actions: inout [Action]) {
        guard claimAndReserve(uid, plan: plan, into: &actions) else { return }
        let ticket = nextTicket
        nextTicket += 1
        slots[uid] = .queued(plan: plan, target: target, ticket: ticket)
        queue.append((uid, ticket))
        queuedCount += 1
        if activeCount >= maxConcurrent, let pod = pods[uid]?.pod {
            actions.append(.report(CaptureReport(pod: pod, change: .queued(position: queuedCount), spec: plan.spec)))
        }
        fillSlots(into: &actions)
    }

    /// Takes the plan's file name and disk reservation, or reports why not and blocks `uid`
    /// until a capture releases one.
    private mutating func claimAndReserve(_ uid: String, plan: CapturePlan, into actions: inout [Action]) -> Bool {
        let base = plan.baseName
        // tcpdump would fail to create the file (ENAMETOOLONG) and be retried forever.
        guard plan.longestFileNameBytes <= CapturePlan.maxFileNameBytes else {
            reject(uid, .fileNameTooLong(fileName: String(base.prefix(40)), bytes: plan.longestFileNameBytes), into: &actions)
            return false
        }
        if let owner = claims[base], owner != uid {
            if !blocked.contains(uid) { blocked.append(uid) }
            // Waiting for a capture that is only stopping is not a conflict worth an Event.
            if case .capture = desire(owner), let ownerEntry = pods[owner] {
                reject(uid, .fileNameConflict(fileName: base, owner: ownerEntry.pod.description), into: &actions)
            }
            return false
        }
        if let budget = diskBudgetBytes, reservedBytes + plan.maxBytes > budget {
            if !blocked.contains(uid) { blocked.append(uid) }
            reject(uid, .diskBudget(requestedMB: plan.maxBytes / 1_000_000,
                                    remainingMB: (budget - reservedBytes) / 1_000_000,
                                    budgetMB: budget / 1_000_000), into: &actions)
            return false
        }
        removeBlocked(uid)
        claims[base] = uid
        reservedBytes += plan.maxBytes
        pods[uid]?.reported = nil
        return true
    }

    private mutating func fillSlots(into actions: inout [Action]) {
        while activeCount < maxConcurrent, let item = queue.popFirst() {
            guard case .queued(let plan, let target, let ticket) = slots[item.uid], ticket == item.ticket else {
                staleInQueue -= 1
                continue
            }
            queuedCount -= 1
            let generation = nextGeneration
            nextGeneration += 1
            let marks = plan.options.stopOn == .containerRestart ? pods[item.uid]?.status.map(ContainerMarks.init) : nil
            slots[item.uid] = .running(plan: plan, generation: generation, marks: marks)
            activeCount += 1
            actions.append(.start(uid: item.uid, generation: generation, plan: plan, target: target, completed: false))
        }
    }

    /// A queued capture left the queue before its turn; its FIFO entry is now stale.
    private mutating func leaveQueue() {
        queuedCount -= 1
        staleInQueue += 1
        guard staleInQueue > 64, staleInQueue > queuedCount else { return }
        let live = queue.elements.filter { item in
            if case .queued(_, _, let ticket) = slots[item.uid] { return ticket == item.ticket }
            return false
        }
        queue.removeAll()
        for item in live { queue.append(item) }
        staleInQueue = 0
    }

    private mutating func release(_ plan: CapturePlan, uid: String) {
        if claims[plan.baseName] == uid { claims[plan.baseName] = nil }
        reservedBytes -= plan.maxBytes
    }

    private mutating func retryBlocked(into actions: inout [Action]) {
        guard !blocked.isEmpty else { return }
        let waiting = blocked
        blocked.removeAll(keepingCapacity: true)
        for uid in waiting where slots[uid] == nil { reconcile(uid, into: &actions) }
    }

    private mutating func removeBlocked(_ uid: String) {
        if let index = blocked.firstIndex(of: uid) { blocked.remove(at: index) }
    }

    private mutating func reject(_ uid: String, _ rejection: CaptureRejection, into actions: inout [Action]) {
        guard var entry = pods[uid], entry.reported != rejection else { return }
        entry.reported = rejection
        pods[uid] = entry
        actions.append(.report(CaptureReport(pod: entry.pod, change: .rejected(rejection))))
    }

    private mutating func reportRejectionIfNew(_ uid: String, into actions: inout [Action]) {
        guard let entry = pods[uid], entry.onNode else { return }
        if case .rejected(let rejection) = entry.request { reject(uid, rejection, into: &actions) }
    }
}
