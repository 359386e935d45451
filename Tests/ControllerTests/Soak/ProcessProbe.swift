import Glibc
import NodeRuntime

/// What the soak reads about processes from /proc: podcap's own fds and RSS, its zombie
/// children, and every tcpdump writing into the capture directory.
struct ProcessProbe: Sendable {
    /// One tcpdump writing into the capture directory, read from its argv and /proc entries.
    struct Tcpdump: Sendable, Hashable {
        var pid: Int32
        /// The Pod part of `-w <dir>/capture-<pod>.pcap`.
        var pod: String
        /// `-W`: the ring it writes (N, or fewer after a restart that kept segments).
        var ring: Int
        /// `/proc/<pid>/ns/net`'s inode: whose network namespace it captures in.
        var netns: UInt64?
        /// When it started, in seconds since boot (`/proc/<pid>/stat` starttime), the scale of `uptime()`.
        var startedSecondsSinceBoot: Double
    }

    let directory: String
    let ticksPerSecond = Double(sysconf(Int32(_SC_CLK_TCK)))

    /// Entries of `/proc/<pid>/fd`.
    static func openFileDescriptors(of pid: Int32) -> Int? {
        guard let dir = opendir("/proc/\(pid)/fd") else { return nil }
        defer { closedir(dir) }
        var count = 0
        while let entry = readdir(dir) {
            let first = withUnsafeBytes(of: entry.pointee.d_name) { $0[0] }
            if first != UInt8(ascii: ".") { count += 1 }
        }
        return count
    }

    /// `VmRSS` of `/proc/<pid>/status`, in KiB.
    static func residentKiB(of pid: Int32) -> Int? {
        for line in read("/proc/\(pid)/status").split(separator: "\n") where line.hasPrefix("VmRSS:") {
            // "VmRSS:\t   41336 kB": a tab, then spaces.
            return Int(line.dropFirst("VmRSS:".count).split(whereSeparator: { $0 == " " || $0 == "\t" }).first ?? "")
        }
        return nil
    }

    /// Children of `parent` in state Z (exited, not yet reaped).
    static func zombieChildren(of parent: Int32) -> [Int32] {
        processIDs().filter { pid in
            guard let stat = stat(of: pid) else { return false }
            return stat.state == "Z" && stat.parent == parent
        }
    }

    /// Every tcpdump whose `-w` is a capture base directly in `directory`.
    func tcpdumps() -> [Tcpdump] {
        OrphanCaptureReaper(directory: directory).orphans().compactMap { pid -> Tcpdump? in
            let argv = Self.read("/proc/\(pid)/cmdline").split(separator: "\0").map(String.init)
            guard let w = argv.firstIndex(of: "-w"), w + 1 < argv.count,
                  let ringFlag = argv.firstIndex(of: "-W"), ringFlag + 1 < argv.count, let ring = Int(argv[ringFlag + 1]),
                  let stat = Self.stat(of: pid), let started = stat.startTicks else { return nil }
            let base = argv[w + 1].dropFirst(directory.count + "/capture-".count)
            guard base.hasSuffix(".pcap") else { return nil }
            let netns = RealCaptureTests.netnsInode(pid)
            return Tcpdump(pid: pid, pod: String(base.dropLast(".pcap".count)), ring: ring, netns: netns,
                           startedSecondsSinceBoot: Double(started) / ticksPerSecond)
        }
    }

    /// Seconds since boot (`/proc/uptime`), the scale of a process's start time.
    static func uptime() -> Double {
        Double(read("/proc/uptime").split(separator: " ").first ?? "") ?? 0
    }

    private struct Stat {
        var state: Character
        var parent: Int32
        var startTicks: UInt64?
    }

    /// `/proc/<pid>/stat`: the fields after the command name, which may itself hold spaces and
    /// parentheses, so they are read after its last `)`.
    private static func stat(of pid: Int32) -> Stat? {
        let text = read("/proc/\(pid)/stat")
        guard let close = text.lastIndex(of: ")") else { return nil }
        let fields = text[text.index(after: close)...].split(separator: " ")
        // state is field 3 of stat(5), ppid 4, starttime 22: here 0, 1 and 19.
        guard fields.count > 19, let state = fields[0].first, let parent = Int32(fields[1]) else { return nil }
        return Stat(state: state, parent: parent, startTicks: UInt64(fields[19]))
    }

    private static func processIDs() -> [Int32] {
        guard let dir = opendir("/proc") else { return [] }
        defer { closedir(dir) }
        var pids: [Int32] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if let pid = Int32(name) { pids.append(pid) }
        }
        return pids
    }

    /// A small /proc file, whole (they are generated on read; one read of 8 KiB suffices).
    private static func read(_ path: String) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 8192)
        let n = Glibc.read(fd, &buffer, buffer.count)
        return n > 0 ? String(decoding: buffer[..<n], as: UTF8.self) : ""
    }
}
