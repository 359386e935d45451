import Foundation
import Synchronization

/// A single-threaded `TaskExecutor` that runs jobs in FIFO order and knows when it is idle.
///
/// Running the whole system under it (tasks, child tasks, and default actors, which follow a
/// task's executor preference) makes a simulation deterministic and gives an exact
/// quiescence point: `idle()` returns once no job is left to run.
final class SimulationExecutor: TaskExecutor, @unchecked Sendable {  // unchecked: all mutable state is guarded by `lock`
    private let lock = NSCondition()
    private var jobs: [UnownedJob] = []
    private var head = 0
    private var idleWaiters: [CheckedContinuation<Void, Never>] = []
    private var stopped = false
    private var thread: Thread?
    /// Jobs run so far.
    private(set) var jobsRun = 0

    init() {}

    // Per instance: simulations run in parallel, each on its own executor, so one shared marker
    // would name whichever runner started last (a CI run caught the probe reading another's).
    private let runner = Mutex<pthread_t?>(nil)
    /// Whether the calling thread is this executor's runner thread.
    var isRunnerThread: Bool { runner.withLock { $0.map { pthread_equal($0, pthread_self()) != 0 } ?? false } }

    func start() {
        let thread = Thread { [self] in self.loop() }
        thread.name = "simulation-executor"
        thread.stackSize = 8 << 20
        self.thread = thread
        thread.start()
    }

    func stop() {
        lock.lock()
        stopped = true
        lock.signal()
        lock.unlock()
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let unowned = UnownedJob(job)
        lock.lock()
        jobs.append(unowned)
        lock.signal()
        lock.unlock()
    }

    /// Suspends until every job enqueued so far, and every job those enqueue, has run.
    func idle() async {
        await withCheckedContinuation { continuation in
            lock.lock()
            idleWaiters.append(continuation)
            lock.unlock()
        }
    }

    private func loop() {
        runner.withLock { $0 = pthread_self() }
        while true {
            lock.lock()
            while head == jobs.count {
                if !idleWaiters.isEmpty {
                    let waiters = idleWaiters
                    idleWaiters.removeAll()
                    lock.unlock()
                    for waiter in waiters { waiter.resume() }
                    lock.lock()
                    continue
                }
                if stopped { lock.unlock(); return }
                lock.wait()
            }
            let job = jobs[head]
            head += 1
            if head > 4096, head * 2 > jobs.count {
                jobs.removeFirst(head)
                head = 0
            }
            jobsRun += 1
            lock.unlock()
            job.runSynchronously(on: asUnownedTaskExecutor())
        }
    }
}
