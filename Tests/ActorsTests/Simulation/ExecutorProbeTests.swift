import Foundation
import Testing

private actor Counter {
    var value = 0
    func bump(_ executor: SimulationExecutor) -> String? { value += 1; return threadName(executor) }
}

/// The simulations rely on default actors running on the task's preferred executor.
@Test func defaultActorsRunOnTheSimulationExecutor() async {
    let executor = SimulationExecutor()
    executor.start()
    defer { executor.stop() }
    let names = await withTaskExecutorPreference(executor) {
        let counter = Counter()
        let inActor = await counter.bump(executor)
        await executor.idle()
        let child = await withTaskGroup(of: String?.self) { group in
            group.addTask { threadName(executor) }
            return await group.next()!
        }
        return [inActor, child]
    }
    print("jobs run", executor.jobsRun)
    #expect(names == ["simulation-executor", "simulation-executor"])
}

private func threadName(_ executor: SimulationExecutor) -> String? { executor.isRunnerThread ? "simulation-executor" : "other" }
