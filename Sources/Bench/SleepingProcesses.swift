import Glibc

/// `count` `sleep` processes, so `/proc` looks like a busy node's; SIGKILLed and reaped by
/// `kill()`, and by the initialiser itself if it fails half way.
final class SleepingProcesses: Sendable {
    let pids: [pid_t]

    init(count: Int, seconds: Int = 900) throws {
        var pids: [pid_t] = []
        pids.reserveCapacity(count)
        let argv = ["sleep", String(seconds)]
        var cArgv: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArgv { free(pointer) } }
        for _ in 0..<count {
            var pid: pid_t = 0
            let rc = posix_spawnp(&pid, "sleep", nil, nil, &cArgv, environ)
            guard rc == 0 else {
                Self.kill(pids)
                throw BenchError("posix_spawnp(sleep) failed: errno \(rc) after \(pids.count) processes")
            }
            pids.append(pid)
        }
        self.pids = pids
    }

    func kill() { Self.kill(pids) }

    private static func kill(_ pids: [pid_t]) {
        for pid in pids { Glibc.kill(pid, SIGKILL) }
        for pid in pids {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        }
    }
}
