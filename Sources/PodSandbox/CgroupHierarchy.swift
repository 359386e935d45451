import Glibc

/// One mounted cgroup hierarchy that sandbox processes can be moved into.
public struct CgroupHierarchy: Sendable, Hashable {
    /// 1 or 2.
    public var version: Int
    /// Mount point, e.g. `/sys/fs/cgroup` or `/sys/fs/cgroup/unified`.
    public var root: String

    /// The hierarchy `mode` selects on this machine, `nil` when there is none.
    public static func detect(_ mode: CgroupMode, base: String = "/sys/fs/cgroup") -> CgroupHierarchy? {
        let mounts = cgroupMounts()
        let v2 = [base, base + "/unified"].first { mounts[$0] == "cgroup2" }.map { CgroupHierarchy(version: 2, root: $0) }
        let v1 = ["pids", "systemd", "memory"].map { base + "/" + $0 }.first { mounts[$0] == "cgroup" }
            .map { CgroupHierarchy(version: 1, root: $0) }
        switch mode {
        case .automatic: return v2 ?? v1
        case .v2: return v2
        case .v1: return v1
        }
    }

    /// Mount point → file system type for cgroup mounts, from `/proc/self/mounts`.
    private static func cgroupMounts() -> [String: String] {
        guard let file = fopen("/proc/self/mounts", "r") else { return [:] }
        defer { fclose(file) }
        var result: [String: String] = [:]
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        while getline(&line, &capacity, file) > 0, let line {
            let fields = String(cString: line).split(separator: " ")
            guard fields.count >= 3, fields[2] == "cgroup" || fields[2] == "cgroup2" else { continue }
            result[String(fields[1])] = String(fields[2])
        }
        return result
    }

    /// Creates `components` below the root (like `mkdir -p`), returning the leaf's path.
    func create(_ components: [String]) throws(SandboxError) -> String {
        // A concurrent sandbox may remove a shared parent between our mkdirs: retry.
        for attempt in 0..<10 {
            var path = root
            var failed: Int32 = 0
            for component in components {
                path += "/" + component
                if mkdir(path, 0o755) != 0, errno != EEXIST {
                    failed = errno
                    break
                }
            }
            if failed == 0 { return path }
            if failed != ENOENT || attempt == 9 { throw .system("mkdir", path: path, errno: failed) }
        }
        throw .system("mkdir", path: root, errno: ENOENT)
    }

    /// Moves `pid` into the cgroup directory `path`.
    func place(_ pid: Int32, in path: String) throws(SandboxError) {
        let file = path + "/cgroup.procs"
        let fd = open(file, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("open", path: file, errno: errno) }
        defer { close(fd) }
        let text = Array("\(pid)\n".utf8)
        guard write(fd, text, text.count) == text.count else { throw .system("write", path: file, errno: errno) }
    }

    /// Removes the directories of `components` bottom-up; parents still in use stay.
    func remove(_ components: [String]) async {
        var paths: [String] = []
        var path = root
        for component in components {
            path += "/" + component
            paths.append(path)
        }
        for (depth, path) in paths.enumerated().reversed() {
            // The leaf can be briefly busy right after its last process was reaped.
            for _ in 0..<50 {
                if rmdir(path) == 0 || errno == ENOENT { break }
                if depth < paths.count - 1 && (errno == EBUSY || errno == ENOTEMPTY) { return }
                try? await Task.sleep(for: .milliseconds(10))
            }
        }
    }
}
