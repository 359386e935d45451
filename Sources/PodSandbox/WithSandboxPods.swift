/// Creates `count` sandbox Pods, runs `body` with them, and always tears them down: after
/// `body` returns, after it throws, and when the task is cancelled.
///
/// ```swift
/// try await withSandboxPods(count: 2) { pods in
///     let replies = try await Traffic.ping(from: pods[0], to: pods[1], count: 5)
///     print(pods[0].containerID, pods[0].pid, replies)
/// }
/// ```
public func withSandboxPods<Result: Sendable>(
    count: Int,
    options: SandboxOptions = SandboxOptions(),
    _ body: ([SandboxPod]) async throws -> Result
) async throws -> Result {
    let network = try await SandboxNetwork.create(count: count, options: options)
    let result: Result
    do {
        result = try await body(network.pods)
    } catch {
        await network.tearDown()
        throw error
    }
    await network.tearDown()
    return result
}
