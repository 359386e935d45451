import Glibc
import NodeRuntime

/// startup: the shipped binary's process start → its first list done, against the real
/// kube-apiserver, `repetitions` launches.
///
/// The clock starts just before `posix_spawn` and stops when the controller's stderr carries
/// the start-up sweep's line (`no stale capture files in DIR`), which it logs right after the
/// first list was received and decoded, before the watch opens. The pipe is read with blocking
/// reads, so the line is seen as soon as it is written. Each launch is then SIGTERMed and reaped.
enum StartupBench {
    static func run(argv: (Int) -> [String], repetitions: Int = 5) throws -> [Double] {
        var samples: [Double] = []
        for launch in 0..<repetitions {
            let started = BenchClock.nanos()
            let (pid, fd): (pid_t, Int32)
            do {
                (pid, fd) = try PipedSpawn.spawn(argv(launch), piping: .standardError)
            } catch {
                throw BenchError("spawn \(error)")
            }
            defer { close(fd) }
            let found = waitFor("stale capture files", fd: fd)
            let synced = BenchClock.nanos()
            kill(pid, SIGTERM)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            guard found.ok else { throw BenchError("podcap controller exited before its first list:\n\(found.text)") }
            samples.append(Double(synced - started) / 1e6)
        }
        return samples
    }

    /// Reads `fd` until `marker` appeared (ok) or the pipe closed.
    private static func waitFor(_ marker: String, fd: Int32) -> (ok: Bool, text: String) {
        var text = ""
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !text.contains(marker) {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { return (false, text) }
            text += String(decoding: chunk[0..<n], as: UTF8.self)
        }
        return (true, text)
    }
}
