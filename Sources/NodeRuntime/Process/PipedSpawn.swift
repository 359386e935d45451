import Glibc

/// Spawns a program from an argv (no shell) with one of its output streams on a pipe and the
/// other on /dev/null, for short-lived helpers outside a capture's supervision (the demo's
/// `tcpdump -r`, the bench's tcpdump-alone floor). Foundation's `Process` would pull full
/// Foundation (and ICU) into the binary.
public enum PipedSpawn {
    /// Which stream of the child goes to the pipe.
    public enum Stream: Sendable {
        case standardOutput
        case standardError
    }

    /// Spawning failed; the message names the program and the error.
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// Spawns `argv` (`argv[0]` a path) and returns its PID and the pipe's read end, which the
    /// caller closes; the caller also reaps the child.
    ///
    /// The caller's threads block signals (NIO, Dispatch) and the child would inherit that: it
    /// starts with none blocked and default dispositions, or a SIGTERM would never reach it.
    public static func spawn(_ argv: [String], piping stream: Stream) throws(Failure) -> (pid: pid_t, fd: Int32) {
        guard let executable = argv.first else { throw Failure(description: "empty command") }
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { throw Failure(description: "pipe: \(String(cString: strerror(errno)))") }
        let (piped, silenced): (Int32, Int32) = stream == .standardOutput ? (1, 2) : (2, 1)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, fds[1], piped)
        posix_spawn_file_actions_addopen(&actions, silenced, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addclose(&actions, fds[0])
        posix_spawn_file_actions_addclose(&actions, fds[1])
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGTERM, SIGINT, SIGPIPE, SIGCHLD] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, cArguments, environ)
        close(fds[1])
        guard rc == 0 else {
            close(fds[0])
            throw Failure(description: "\(executable): \(String(cString: strerror(rc)))")
        }
        return (pid, fds[0])
    }
}
