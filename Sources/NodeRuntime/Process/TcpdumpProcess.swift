import Actors

/// A running tcpdump, owned by one `CaptureActor`.
///
/// Every member is an immutable reference to thread-safe state: the exit record the
/// supervising task delivers once, and the command stream into that task.
public struct TcpdumpProcess: CaptureProcess {
    public let pid: Int32
    public let container: CaptureTarget.Container
    private let commands: AsyncStream<ChildCommand>.Continuation
    private let exit: OneShot<CaptureExit>

    init(pid: Int32, container: CaptureTarget.Container,
         commands: AsyncStream<ChildCommand>.Continuation, exit: OneShot<CaptureExit>) {
        self.pid = pid
        self.container = container
        self.commands = commands
        self.exit = exit
    }

    public func waitForExit() async -> CaptureExit? {
        await exit.valueUnlessCancelled()
    }

    public func terminate(grace: Duration) async -> CaptureExit {
        await withTaskCancellationHandler {
            commands.yield(.terminate(grace: grace))
            return await exit.value
        } onCancel: {
            // A cancelled stop must still finish promptly: skip the rest of the grace period.
            commands.yield(.kill)
        }
    }

    public func kill() async -> CaptureExit {
        commands.yield(.kill)
        return await exit.value
    }
}
