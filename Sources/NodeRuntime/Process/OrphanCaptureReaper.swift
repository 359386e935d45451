import Glibc

/// Finds and stops tcpdump processes that a previous podcap run left writing into the capture
/// directory.
///
/// In a DaemonSet the kubelet kills a restarted container's whole cgroup, children included;
/// run any other way (a systemd unit, by hand) a SIGKILLed podcap leaves its tcpdumps running.
/// A new run would then start a second tcpdump on the same files and interleave two writers,
/// corrupting the capture. So startup stops them first, identified exactly: a process whose
/// argv[0] is tcpdump and whose `-w` argument is a capture file name in this directory.
public struct OrphanCaptureReaper: Sendable {
    public let procRoot: String
    public let directory: String

    public init(procRoot: String = "/proc", directory: String) {
        self.procRoot = procRoot
        self.directory = directory
    }

    /// PIDs of tcpdump processes writing `capture-…` files in `directory`.
    public func orphans() -> [Int32] {
        orphans(matching: directory + "/capture-", sameDirectory: true)
    }

    /// PIDs of tcpdump processes whose `-w` path starts with `prefix` (for tests' leak checks).
    public func orphans(matching prefix: String, sameDirectory: Bool = false) -> [Int32] {
        guard let dir = opendir(procRoot) else { return [] }
        defer { closedir(dir) }
        var found: [Int32] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            guard let pid = Int32(name), pid != getpid() else { continue }
            let argv = Self.commandLine(path: "\(procRoot)/\(pid)/cmdline")
            guard let program = argv.first, program == "tcpdump" || program.hasSuffix("/tcpdump"),
                  let w = argv.firstIndex(of: "-w"), w + 1 < argv.count,
                  argv[w + 1].hasPrefix(prefix), !sameDirectory || !argv[w + 1].dropFirst(prefix.count).contains("/")
            else { continue }
            found.append(pid)
        }
        return found.sorted()
    }

    /// SIGTERMs every orphan (tcpdump closes its file cleanly), then SIGKILLs any still alive
    /// after `grace`. Returns the PIDs it signalled.
    @discardableResult
    public func stopOrphans(grace: Duration = .seconds(2)) async -> [Int32] {
        let pids = orphans()
        guard !pids.isEmpty else { return [] }
        for pid in pids { kill(pid, SIGTERM) }
        let deadline = ContinuousClock.now + grace
        // These are not our children, so there is no exit notification to await: poll briefly.
        while ContinuousClock.now < deadline, pids.contains(where: { Self.isAlive($0, procRoot: procRoot) }) {
            try? await Task.sleep(for: .milliseconds(10))
        }
        for pid in pids where Self.isAlive(pid, procRoot: procRoot) { kill(pid, SIGKILL) }
        return pids
    }

    /// Whether `pid` exists and is not a zombie.
    public static func isAlive(_ pid: Int32, procRoot: String = "/proc") -> Bool {
        // A zombie still answers kill(0); its state in /proc/<pid>/stat is 'Z'.
        guard kill(pid, 0) == 0 else { return false }
        let fd = open("\(procRoot)/\(pid)/stat", O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let n = read(fd, &buffer, buffer.count)
        guard n > 0, let close = buffer[..<n].lastIndex(of: UInt8(ascii: ")")), close + 2 < n else { return true }
        return buffer[close + 2] != UInt8(ascii: "Z")
    }

    static func commandLine(path: String) -> [String] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return [] }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = read(fd, &buffer, buffer.count)
        guard n > 0 else { return [] }
        return buffer[..<n].split(separator: 0, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
            .filter { !$0.isEmpty }
    }
}
