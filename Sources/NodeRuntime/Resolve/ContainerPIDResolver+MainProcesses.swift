import Actors

extension ContainerPIDResolver {
    /// The main process of each of `target`'s containers that has one on this node: among the
    /// PIDs in the container's cgroup, the one whose parent is outside it (the runtime's shim).
    /// A container ends when that process exits. One pass over `/proc` serves every container.
    public func mainProcesses(of target: CaptureTarget) -> [(container: String, pid: Int32)] {
        guard let all = try? pids(ofEach: target.containers.map(\.containerID)) else { return [] }
        var out: [(String, Int32)] = []
        for (container, pids) in zip(target.containers, all) {
            guard !pids.isEmpty else { continue }
            let members = Set(pids)
            let main = pids.first { pid in Self.parentPID(procRoot: procRoot, pid: pid).map { !members.contains($0) } ?? false }
            out.append((container.name, main ?? pids[0]))
        }
        return out
    }

    /// Field 4 of `/proc/<pid>/stat`, after the command name in parentheses (which may itself
    /// contain spaces and parentheses, so parsing starts after the last `)`).
    static func parentPID(procRoot: String, pid: Int32) -> Int32? {
        guard let bytes = ProcText.read("\(procRoot)/\(pid)/stat", limit: 4096),
              let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        guard fields.count >= 2 else { return nil }
        return Int32(String(decoding: fields[1], as: UTF8.self))
    }
}
