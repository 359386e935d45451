import Foundation
import Glibc
import NodeRuntime
import PodSandbox

/// tcpdump's own signal → exit time in a sandbox Pod's network namespace, without podcap: the
/// physical floor of `remove_to_exited` (the kernel tears down the packet socket on exit).
///
/// `nsenter --net=<netns> -- tcpdump -i eth0 -U -w FILE` is spawned directly; once it printed
/// `listening on`, the signal is sent and the time to `waitpid` returning is taken.
enum ExitFloorBench {
    static func measure(pod: SandboxPod, signal: Int32, repetitions: Int) throws -> [Double] {
        var samples: [Double] = []
        let file = "/tmp/podcap-bench-floor-\(getpid()).pcap"
        defer { unlink(file) }
        for _ in 0..<repetitions {
            let (pid, stderr) = try spawn(["/usr/bin/nsenter", "--net=\(pod.netnsPath)", "--", tcpdumpPath(),
                                           "-i", "eth0", "-U", "-w", file])
            defer { close(stderr) }
            try waitForListening(stderr, pid: pid)
            let t0 = BenchClock.nanos()
            kill(pid, signal)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            samples.append(Double(BenchClock.nanos() - t0) / 1e6)
        }
        return samples
    }

    private static func tcpdumpPath() -> String {
        for candidate in ["/usr/bin/tcpdump", "/usr/sbin/tcpdump"] where access(candidate, X_OK) == 0 { return candidate }
        return "tcpdump"
    }

    /// Spawns `argv` with stderr on a pipe (stdout to /dev/null); returns the PID and the read end.
    private static func spawn(_ argv: [String]) throws -> (pid_t, Int32) {
        do {
            return try PipedSpawn.spawn(argv, piping: .standardError)
        } catch {
            throw BenchError("spawn \(error)")
        }
    }

    private static func waitForListening(_ fd: Int32, pid: pid_t) throws {
        var text = ""
        var chunk = [UInt8](repeating: 0, count: 4096)
        while !text.contains("listening on") {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else {
                var status: Int32 = 0
                waitpid(pid, &status, 0)
                throw BenchError("tcpdump exited before listening: \(text)")
            }
            text += String(decoding: chunk[0..<n], as: UTF8.self)
        }
    }
}
