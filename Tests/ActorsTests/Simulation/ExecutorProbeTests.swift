import Foundation
import Testing

private actor Counter {
    var value = 0
    func bump() -> String? { value += 1; return currentThreadName() }
}

/// The simulations rely on default actors running on the task's preferred executor.
@Test func defaultActorsRunOnTheSimulationExecutor() async {
    let executor = SimulationExecutor()
    executor.start()
    defer { executor.stop() }
    let names = await withTaskExecutorPreference(executor) {
        let counter = Counter()
        let inActor = await counter.bump()
        await executor.idle()
        let child = await withTaskGroup(of: String?.self) { group in
            group.addTask { currentThreadName() }
            return await group.next()!
        }
        return [inActor, child]
    }
    print("jobs run", executor.jobsRun)
    #expect(names == ["simulation-executor", "simulation-executor"])
}

private func currentThreadName() -> String? { SimulationExecutor.onRunnerThread ? "simulation-executor" : "other" }
