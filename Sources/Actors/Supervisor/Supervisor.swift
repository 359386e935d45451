import KubeModel
import Logging
import ServiceLifecycle

/// Turns the Pods of this Node into running captures, at most `maxConcurrent` at a time.
///
/// Decisions come from `SupervisorStateMachine`; this actor performs them: it creates one
/// `CaptureActor` per started capture and runs it as a child of its task group, so the group
/// holds exactly the captures that occupy a slot (the semaphore), and cancelling `run()`
/// cancels them all. Graceful shutdown stops admitting and SIGTERMs each capture, keeping files;
/// cancellation SIGKILLs them.
public actor Supervisor: Service {
    /// Tunables of the Supervisor.
    public struct Configuration: Sendable {
        public var maxConcurrent: Int
        /// Pods on other nodes are ignored; `nil` accepts every Pod the source delivers.
        public var nodeName: String?
        public var settings: CaptureSettings
        /// `--max-disk-mb`; `nil` for no budget.
        public var diskBudgetMB: Int?
        /// Time between SIGTERM and SIGKILL when a capture stops.
        public var grace: Duration
        public var backoff: RestartBackoff
        /// How often running captures report tcpdump's counters (`progress`); `nil`: never.
        public var progressInterval: Duration?

        public init(maxConcurrent: Int = 16, nodeName: String? = nil, settings: CaptureSettings = CaptureSettings(),
                    diskBudgetMB: Int? = 2048, grace: Duration = .seconds(5), backoff: RestartBackoff = RestartBackoff(),
                    progressInterval: Duration? = nil) {
            self.progressInterval = progressInterval
            self.maxConcurrent = maxConcurrent
            self.nodeName = nodeName
            self.settings = settings
            self.diskBudgetMB = diskBudgetMB
            self.grace = grace
            self.backoff = backoff
        }
    }

    /// Lifecycle of the Supervisor itself.
    private enum State {
        case idle
        /// `jobs` carries started captures from actor methods into the task group in `run()`.
        case running(jobs: BoundedChannel<Job>)
        case finished
    }

    private struct Job: Sendable {
        var uid: String
        var actor: CaptureActor
    }

    private let configuration: Configuration
    private let events: any AsyncSequence<PodEvent, any Error> & Sendable
    private let runtime: any CaptureRuntime
    private let reporter: any CaptureReporter
    private let clock: any CaptureClock
    private let logger: Logger
    private var machine: SupervisorStateMachine
    private var state: State = .idle
    private var captures: [String: CaptureActor] = [:]
    /// Reused for every input so the event path does not allocate an action array each time.
    private var actions: [SupervisorStateMachine.Action] = []
    /// Starts the channel refused because it was full (captures resumed as completed take no
    /// slot, so a first list can start more than `maxConcurrent` at once); taken by `run()`
    /// after the next job it receives, which is certain to come since the channel was full.
    private var overflow: [Job] = []
    private var eventError: (any Error)?
    private var eventsSeen = 0

    public init(configuration: Configuration, events: some AsyncSequence<PodEvent, any Error> & Sendable,
                runtime: any CaptureRuntime, reporter: any CaptureReporter,
                clock: any CaptureClock = SystemCaptureClock(), logger: Logger = Logger(label: "podcap.supervisor")) {
        self.configuration = configuration
        self.events = events
        self.runtime = runtime
        self.reporter = reporter
        self.clock = clock
        self.logger = logger
        self.machine = SupervisorStateMachine(maxConcurrent: configuration.maxConcurrent, nodeName: configuration.nodeName,
                                              settings: configuration.settings, diskBudgetMB: configuration.diskBudgetMB)
        actions.reserveCapacity(16)
    }

    /// Runs until graceful shutdown completes, the event sequence ends, or the task is cancelled.
    /// Throws the event sequence's error, after every capture has stopped.
    public func run() async throws {
        guard case .idle = state else { preconditionFailure("Supervisor.run() called twice") }
        // At most maxConcurrent captures start at once; more only when completed ones resume (`overflow`).
        let jobs = BoundedChannel<Job>(capacity: configuration.maxConcurrent)
        state = .running(jobs: jobs)
        await withDiscardingTaskGroup { group in
            group.addTask { await self.consumeEvents() }
            group.addTask {
                guard (try? await gracefulShutdown()) != nil else { return }
                await self.shutdown()
            }
            while let next = try? await jobs.next() {
                for job in [next] + takeOverflow() {
                    group.addTask {
                        if await job.actor.run() == .ended {
                            // Completed: its slot goes to the next capture, its files stay until stopped.
                            await self.captureEnded(uid: job.uid, generation: job.actor.generation)
                            await job.actor.awaitRemoval()
                        }
                        await self.captureFinished(uid: job.uid, generation: job.actor.generation)
                    }
                }
            }
            group.cancelAll()
        }
        state = .finished
        if let eventError { throw eventError }
    }

    /// Stops admitting captures and stops the running ones gracefully, keeping their files.
    public func shutdown() {
        actions.removeAll(keepingCapacity: true)
        machine.shutdown(into: &actions)
        perform()
    }

    // MARK: Observation

    /// UIDs of captures holding a slot (running or stopping).
    public var activeUIDs: [String] { machine.activeUIDs }
    /// UIDs waiting for a slot, in start order.
    public var queuedUIDs: [String] { machine.queuedUIDs }
    /// UIDs of captures that ended by themselves and keep their files.
    public var endedUIDs: [String] { machine.endedUIDs }
    /// Pod events handled so far.
    public var eventCount: Int { eventsSeen }

    // MARK: Inputs

    private func consumeEvents() async {
        do {
            for try await event in events {
                handle(event)
            }
        } catch is CancellationError {
            return
        } catch {
            logger.error("pod event stream failed; stopping every capture", metadata: ["error": "\(error)"])
            eventError = error
        }
        // Without events the Supervisor cannot know what is desired: stop, keeping files.
        shutdown()
    }

    /// Applies one Pod event.
    public func handle(_ event: PodEvent) {
        eventsSeen += 1
        actions.removeAll(keepingCapacity: true)
        switch event {
        case .added(let pod), .modified(let pod):
            machine.podChanged(pod, into: &actions)
        case .deleted(let pod):
            machine.podDeleted(uid: pod.metadata.uid, into: &actions)
        case .resynced(let pods):
            machine.resynced(pods, into: &actions)
        }
        perform()
    }

    private func takeOverflow() -> [Job] {
        defer { overflow.removeAll() }
        return overflow
    }

    private func captureEnded(uid: String, generation: Int) {
        actions.removeAll(keepingCapacity: true)
        machine.captureEnded(uid: uid, generation: generation, into: &actions)
        perform()
    }

    private func captureFinished(uid: String, generation: Int) {
        if captures[uid]?.generation == generation { captures[uid] = nil }
        actions.removeAll(keepingCapacity: true)
        machine.captureFinished(uid: uid, generation: generation, into: &actions)
        perform()
    }

    // MARK: Actions

    private func perform() {
        for action in actions {
            switch action {
            case .start(let uid, let generation, let plan, let target, let completed):
                let actor = CaptureActor(plan: plan, target: target, generation: generation, runtime: runtime,
                                         reporter: reporter, clock: clock, grace: configuration.grace,
                                         backoff: configuration.backoff, resumesCompleted: completed,
                                         progressInterval: configuration.progressInterval)
                captures[uid] = actor
                guard case .running(let jobs) = state else {
                    // Only possible once run() has ended; the capture never started.
                    captures[uid] = nil
                    logger.error("capture could not be started: supervisor not running", metadata: ["pod": "\(plan.pod)"])
                    continue
                }
                if !overflow.isEmpty || !jobs.tryYield(Job(uid: uid, actor: actor)) { overflow.append(Job(uid: uid, actor: actor)) }
            case .stop(let uid, let generation, let reason):
                if let actor = captures[uid], actor.generation == generation { actor.stop(reason) }
            case .complete(let uid, let generation, let reason):
                if let actor = captures[uid], actor.generation == generation { actor.complete(reason) }
            case .retarget(let uid, let generation, let target):
                if let actor = captures[uid], actor.generation == generation { actor.retarget(target) }
            case .report(let report):
                reporter.report(report)
            case .finished:
                if case .running(let jobs) = state { jobs.finish() }
            }
        }
    }
}
