import Actors
import Foundation
import Glibc
import NodeRuntime
import PodSandbox

/// tcpdump's own start and exit times in a sandbox Pod's network namespace, without podcap:
/// the physical floors of `annotate_to_capturing` (spawn → `listening on`: nsenter, tcpdump's
/// start-up, BPF and the packet ring) and of `remove_to_exited` (signal → reaped: the kernel
/// tears down the packet socket and ring on exit).
///
/// The argv is podcap's own (`CapturePlan.argv`: `nsenter --target PID --net -- tcpdump -i eth0
/// -Z root -U -B 16384 -C 1 -W 1 -w FILE`), spawned directly; the clock runs
/// from just before `posix_spawn` to the `listening on` line, then from the signal to `waitpid`.
enum ExitFloorBench {
    /// Per run: spawn → `listening on`, and signal → reaped, in milliseconds.
    struct Floors {
        var listening: [Double] = []
        /// spawn → tcpdump exec'd (kernel proc connector): fork, nsenter's start-up and setns, exec.
        var execed: [Double] = []
        var exit: [Double] = []
    }

    static func measure(pod: SandboxPod, signal: Int32, repetitions: Int, procEvents: BenchProcEvents?) throws -> Floors {
        var floors = Floors()
        let directory = "/tmp/podcap-bench-floor-\(getpid())"
        mkdir(directory, 0o700)
        let plan = CapturePlan(pod: PodRef(namespace: "bench", name: "floor", uid: pod.uid), fileCount: 1,
                               settings: CaptureSettings(directory: directory))
        defer {
            for path in plan.filePaths { unlink(path) }
            rmdir(directory)
        }
        let argv = plan.argv(pid: pod.pid, nsenter: path(of: "nsenter"), tcpdump: path(of: "tcpdump"))
        for _ in 0..<repetitions {
            let spawned = BenchClock.nanos()
            let (pid, stderr) = try spawn(argv)
            defer { close(stderr) }
            try waitForListening(stderr, pid: pid)
            let t0 = BenchClock.nanos()
            floors.listening.append(Double(t0 - spawned) / 1e6)
            if let exec = procEvents?.record(of: pid)?.execs.last, exec >= spawned {
                floors.execed.append(Double(exec - spawned) / 1e6)
            }
            kill(pid, signal)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0, errno == EINTR {}
            floors.exit.append(Double(BenchClock.nanos() - t0) / 1e6)
        }
        return floors
    }

    private static func path(of program: String) -> String {
        for directory in ["/usr/bin", "/usr/sbin", "/bin", "/sbin"] where access("\(directory)/\(program)", X_OK) == 0 {
            return "\(directory)/\(program)"
        }
        return program
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
