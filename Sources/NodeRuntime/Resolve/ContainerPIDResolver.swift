import Actors
import Glibc

/// Finds a host PID inside a Pod's containers by scanning `<procRoot>/*/cgroup`.
///
/// This needs only a host-PID view of `/proc` (the DaemonSet runs with `hostPID`), not a
/// container runtime socket, and understands cgroup v1 and v2 with the cgroupfs and systemd
/// drivers of containerd, CRI-O and Docker. One pass over `/proc` serves every container of
/// the target; each file is read with `open`/`read` into one buffer reused for the whole scan.
public struct ContainerPIDResolver: Sendable {
    /// The `/proc` to scan; tests point it at a fixture tree.
    public var procRoot: String

    /// - Parameter procRoot: `/proc` of the host (`--proc-root`).
    public init(procRoot: String = "/proc") {
        self.procRoot = procRoot
    }

    /// The first container of `target.containers` (declaration order) that has a process on
    /// this node, and the lowest PID in it.
    public func resolve(_ target: CaptureTarget) throws(PIDResolutionError) -> ResolvedContainer {
        var candidates: [(index: Int, matcher: CgroupSegmentMatcher)] = []
        var invalid: [String] = []
        for (index, container) in target.containers.enumerated() {
            if let parsed = ContainerID(container.containerID) {
                candidates.append((index, CgroupSegmentMatcher(id: parsed.id)))
            } else {
                invalid.append(container.containerID)
            }
        }
        guard !candidates.isEmpty else {
            if target.containers.isEmpty { throw .noContainers }
            throw .invalidContainerIDs(invalid)
        }
        var best: (index: Int, pid: Int32)?
        try scan { pid, lines in
            for candidate in candidates {
                if let best, best.index < candidate.index || (best.index == candidate.index && best.pid <= pid) {
                    break
                }
                if CgroupFile.anyPath(lines, matches: candidate.matcher) {
                    best = (candidate.index, pid)
                    break
                }
            }
        }
        guard let best else {
            throw .notFound(target.containers.map(\.containerID), procRoot: procRoot)
        }
        return ResolvedContainer(pid: best.pid, container: target.containers[best.index])
    }

    /// Every PID whose cgroup names `containerID`, ascending; for diagnostics and tests.
    public func pids(of containerID: String) throws(PIDResolutionError) -> [Int32] {
        guard let parsed = ContainerID(containerID) else { throw .invalidContainerIDs([containerID]) }
        let matcher = CgroupSegmentMatcher(id: parsed.id)
        var found: [Int32] = []
        try scan { pid, lines in
            if CgroupFile.anyPath(lines, matches: matcher) { found.append(pid) }
        }
        return found.sorted()
    }

    /// Number of `/proc/<pid>/cgroup` files one scan reads; for the benchmark.
    public func countProcesses() throws(PIDResolutionError) -> Int {
        var count = 0
        try scan { _, _ in count += 1 }
        return count
    }

    /// Calls `visit` with each numeric entry's PID and the bytes of its `cgroup` file.
    /// Processes that vanish mid-scan are skipped: that race is normal.
    private func scan(_ visit: (Int32, UnsafeRawBufferPointer) -> Void) throws(PIDResolutionError) {
        guard let dir = opendir(procRoot) else {
            throw .procUnreadable(procRoot, errno: errno)
        }
        defer { closedir(dir) }
        var reader = CgroupFileReader(procRoot: procRoot)
        while let entry = readdir(dir) {
            guard let pid = Self.pid(fromEntry: entry) else { continue }
            reader.read(pid: pid) { bytes in visit(pid, bytes) }
        }
    }

    private static func pid(fromEntry entry: UnsafeMutablePointer<dirent>) -> Int32? {
        withUnsafeBytes(of: entry.pointee.d_name) { name -> Int32? in
            var value: Int32 = 0
            var length = 0
            for byte in name {
                if byte == 0 { break }
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9"), length < 10 else { return nil }
                value = value &* 10 &+ Int32(byte - UInt8(ascii: "0"))
                length += 1
            }
            return length > 0 && value > 0 ? value : nil
        }
    }
}
