import Subprocess
import SystemPackage

/// A long-running child (the fake container's `sleep`), killed and reaped on request.
///
/// The child is supervised by an unstructured task so it outlives the call that started it;
/// `kill()` waits on that task's value, which the caller's cancellation cannot cut short.
struct SandboxProcess: Sendable {
    let pid: Int32
    private let stop: AsyncStream<Void>.Continuation
    private let supervisor: Task<Void, Never>

    static func spawn(_ argv: [String]) async throws(SandboxError) -> SandboxProcess {
        let (stopStream, stop) = AsyncStream.makeStream(of: Void.self)
        let (pidStream, pidContinuation) = AsyncStream.makeStream(of: Result<Int32, SandboxError>.self)
        let supervisor = Task {
            do {
                _ = try await Subprocess.run(.path(FilePath(argv[0])), arguments: Arguments(Array(argv.dropFirst())),
                                             input: .none, output: .discarded, error: .discarded) { execution in
                    pidContinuation.yield(.success(execution.processIdentifier.value))
                    pidContinuation.finish()
                    for await _ in stopStream { break }
                    try? execution.send(signal: .kill)
                }
            } catch {
                pidContinuation.yield(.failure(.command(argv, status: "could not run", stderr: "\(error)")))
                pidContinuation.finish()
            }
        }
        var iterator = pidStream.makeAsyncIterator()
        // `next()` returns nil only if this task is cancelled mid-spawn; then stop the child.
        guard let first = await iterator.next() else {
            stop.finish()
            await supervisor.value
            throw .command(argv, status: "cancelled while starting", stderr: "")
        }
        switch first {
        case .success(let pid): return SandboxProcess(pid: pid, stop: stop, supervisor: supervisor)
        case .failure(let error): await supervisor.value; throw error
        }
    }

    /// SIGKILL, then wait until the child was reaped.
    func kill() async {
        stop.yield()
        stop.finish()
        await supervisor.value
    }
}
