import Actors
import Glibc
import NodeRuntime

/// `podcap-bench pidscan`: how long one PID resolution (a full `/proc/*/cgroup` scan) takes,
/// over a fixture tree shaped like a busy node and over this machine's real `/proc`.
enum PidScanBench {
    static func run(processes: Int = 500, iterations: Int = 200) throws {
        let root = makeFixture(processes: processes)
        defer { removeFixture(root, processes: processes) }
        let wanted = String(repeating: "ab", count: 32)
        let target = CaptureTarget(pod: PodRef(namespace: "bench", name: "p", uid: "u"),
                                   containers: [.init(name: "c", containerID: "containerd://" + wanted)])
        let fixture = ContainerPIDResolver(procRoot: root)
        let found = try fixture.resolve(target)
        precondition(found.pid == Int32(processes), "fixture resolution found \(found.pid)")
        report("pidscan fixture (\(processes) processes, cgroup v1 13 lines each)", iterations) {
            _ = try? fixture.resolve(target)
        }
        let real = ContainerPIDResolver()
        let count = try real.countProcesses()
        report("pidscan /proc (\(count) processes, no match: full scan)", iterations) {
            _ = try? real.resolve(target)
        }
    }

    private static func report(_ label: String, _ iterations: Int, _ body: () -> Void) {
        body()
        let clock = ContinuousClock()
        var samples: [Duration] = []
        samples.reserveCapacity(iterations)
        for _ in 0..<iterations { samples.append(clock.measure(body)) }
        samples.sort()
        func ms(_ d: Duration) -> String {
            let micros = d.components.seconds * 1_000_000 + d.components.attoseconds / 1_000_000_000_000
            return "\(micros / 1000).\(String(repeating: "0", count: 3 - String(micros % 1000).count))\(micros % 1000) ms"
        }
        print("\(label): p50 \(ms(samples[iterations / 2])), p99 \(ms(samples[iterations * 99 / 100])), max \(ms(samples[iterations - 1])) over \(iterations) scans")
    }

    /// `<tmp>/<pid>/cgroup` for `processes` PIDs; the last one holds the wanted container.
    private static func makeFixture(processes: Int) -> String {
        var template = Array("/tmp/podcap-bench-XXXXXX".utf8CString)
        let root = String(cString: template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }!)
        for pid in 1...processes {
            let id = pid == processes ? String(repeating: "ab", count: 32) : String(repeating: String(pid % 10), count: 64)
            let scope = "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(pid).slice/cri-containerd-\(id).scope"
            let controllers = ["cpuset", "cpu,cpuacct", "blkio", "memory", "devices", "freezer", "net_cls,net_prio",
                               "perf_event", "hugetlb", "pids", "rdma", "name=systemd"]
            var text = controllers.enumerated().map { "\(12 - $0.offset):\($0.element):\(scope)" }.joined(separator: "\n")
            text += "\n0::/\n"
            mkdir(root + "/\(pid)", 0o755)
            let fd = open(root + "/\(pid)/cgroup", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
            _ = Array(text.utf8).withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        return root
    }

    private static func removeFixture(_ root: String, processes: Int) {
        for pid in 1...processes {
            unlink(root + "/\(pid)/cgroup")
            rmdir(root + "/\(pid)")
        }
        rmdir(root)
    }
}
