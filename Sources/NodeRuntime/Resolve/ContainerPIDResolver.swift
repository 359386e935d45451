import Actors
import Glibc
import Synchronization

/// Finds a host PID inside a Pod's containers by scanning `<procRoot>/*/cgroup`.
///
/// This needs only a host-PID view of `/proc` (the DaemonSet runs with `hostPID`), not a
/// container runtime socket, and understands cgroup v1 and v2 with the cgroupfs and systemd
/// drivers of containerd, CRI-O and Docker. One pass over `/proc` serves every container of
/// the target; each file is read with `open`/`read` into one buffer reused for the whole scan.
///
/// Later resolutions use what earlier scans learnt (`PIDScanCache`): the PIDs already hinted for
/// the target's first container are confirmed by reading just their cgroup files; failing that
/// they list `/proc`, read only the files of PIDs not seen before, and confirm again. Only when
/// that finds nothing (the first container has no process, e.g. it is restarting, or a PID was
/// reused) is every file read again. Copies of a resolver share the cache.
public struct ContainerPIDResolver: Sendable {
    /// The `/proc` to scan; tests point it at a fixture tree.
    public var procRoot: String
    private let cache = PIDScanCache()

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
        let found = try cache.state.withLock { state throws(PIDResolutionError) -> (index: Int, pid: Int32)? in
            if state.procRoot == procRoot, state.generation > 0 {
                if let known = confirmedKnown(candidates[0], state: state) { return known }
                if let hinted = try fromHints(candidates[0], state: &state) { return hinted }
            }
            return try fullScan(candidates, state: &state)
        }
        guard let best = found else {
            throw .notFound(target.containers.map(\.containerID), procRoot: procRoot)
        }
        return ResolvedContainer(pid: best.pid, container: target.containers[best.index])
    }

    /// The lowest PID the cache already hints for `first` that its cgroup file confirms, without
    /// listing `/proc` (that alone takes ~5 ms with 2,000 processes). New PIDs are higher than
    /// known ones (until PID numbers wrap), so this is the lowest PID of the container unless
    /// the container's first processes exited since the last scan.
    private func confirmedKnown(_ first: (index: Int, matcher: CgroupSegmentMatcher),
                                state: PIDScanCache.State) -> (index: Int, pid: Int32)? {
        let id = CgroupIDHints.hash(first.matcher.id)
        var reader = CgroupFileReader(procRoot: procRoot)
        for pid in state.entries.compactMap({ $0.value.hints.mayName(id) ? $0.key : nil }).sorted() {
            var confirmed = false
            reader.read(pid: pid) { bytes in confirmed = CgroupFile.anyPath(bytes, matches: first.matcher) }
            if confirmed { return (first.index, pid) }
        }
        return nil
    }

    /// Brings the cache up to date (new PIDs read, gone ones dropped) and returns the lowest
    /// PID confirmed to be in `first`'s container, or nil.
    private func fromHints(_ first: (index: Int, matcher: CgroupSegmentMatcher),
                           state: inout PIDScanCache.State) throws(PIDResolutionError) -> (index: Int, pid: Int32)? {
        state.generation &+= 1
        let generation = state.generation
        var reader = CgroupFileReader(procRoot: procRoot)
        try listPIDs { pid in
            if state.entries[pid] != nil {
                state.entries[pid]?.generation = generation
            } else {
                reader.read(pid: pid) { bytes in
                    state.entries[pid] = PIDScanCache.Entry(hints: CgroupIDHints(bytes), generation: generation)
                }
            }
        }
        var gone: [Int32] = []
        let id = CgroupIDHints.hash(first.matcher.id)
        var hinted: [Int32] = []
        for (pid, entry) in state.entries {
            if entry.generation != generation { gone.append(pid) } else if entry.hints.mayName(id) { hinted.append(pid) }
        }
        for pid in gone { state.entries[pid] = nil }
        for pid in hinted.sorted() {
            var confirmed = false
            reader.read(pid: pid) { bytes in confirmed = CgroupFile.anyPath(bytes, matches: first.matcher) }
            if confirmed { return (first.index, pid) }
        }
        return nil
    }

    /// Reads every cgroup file: the first container (declaration order) with a process wins,
    /// its lowest PID. Rebuilds the cache from what it read.
    private func fullScan(_ candidates: [(index: Int, matcher: CgroupSegmentMatcher)],
                          state: inout PIDScanCache.State) throws(PIDResolutionError) -> (index: Int, pid: Int32)? {
        state.generation &+= 1
        let generation = state.generation
        var entries: [Int32: PIDScanCache.Entry] = [:]
        entries.reserveCapacity(state.entries.count)
        var best: (index: Int, pid: Int32)?
        try scan { pid, lines in
            entries[pid] = PIDScanCache.Entry(hints: CgroupIDHints(lines), generation: generation)
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
        state.entries = entries
        state.procRoot = procRoot
        return best
    }

    /// Every PID whose cgroup names `containerID`, ascending; for diagnostics and tests.
    public func pids(of containerID: String) throws(PIDResolutionError) -> [Int32] {
        guard ContainerID(containerID) != nil else { throw .invalidContainerIDs([containerID]) }
        return try pids(ofEach: [containerID])[0]
    }

    /// Every PID of each container, ascending, from one pass over `/proc`; an unparsable
    /// container ID has none.
    public func pids(ofEach containerIDs: [String]) throws(PIDResolutionError) -> [[Int32]] {
        let matchers = containerIDs.map { ContainerID($0).map { CgroupSegmentMatcher(id: $0.id) } }
        var found = [[Int32]](repeating: [], count: containerIDs.count)
        try scan { pid, lines in
            for (index, matcher) in matchers.enumerated() {
                if let matcher, CgroupFile.anyPath(lines, matches: matcher) { found[index].append(pid) }
            }
        }
        return found.map { $0.sorted() }
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
        var reader = CgroupFileReader(procRoot: procRoot)
        try listPIDs { pid in reader.read(pid: pid) { bytes in visit(pid, bytes) } }
    }

    /// Calls `visit` with each numeric entry of `procRoot`.
    private func listPIDs(_ visit: (Int32) -> Void) throws(PIDResolutionError) {
        guard let dir = opendir(procRoot) else {
            throw .procUnreadable(procRoot, errno: errno)
        }
        defer { closedir(dir) }
        while let entry = readdir(dir) {
            guard let pid = Self.pid(fromEntry: entry) else { continue }
            visit(pid)
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
