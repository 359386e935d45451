/// A request to the task that supervises a child process.
enum ChildCommand: Sendable {
    /// SIGTERM to the process group now, SIGKILL once `grace` has passed without an exit.
    case terminate(grace: Duration)
    /// SIGKILL to the process group now.
    case kill
    /// SIGUSR1: tcpdump prints its counters on stderr and goes on.
    case requestStatistics
}
