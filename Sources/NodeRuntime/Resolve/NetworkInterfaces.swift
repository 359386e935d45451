/// The network interfaces of a process's network namespace, from `<procRoot>/<pid>/net/dev`.
///
/// `/proc/<pid>/net` shows the namespace of that process, so the host sees a Pod's interfaces
/// without entering it (no `nsenter`, no privilege beyond reading host `/proc`).
public enum NetworkInterfaces {
    /// Interface names in the kernel's order, or `nil` if the file cannot be read.
    public static func names(procRoot: String, pid: Int32) -> [String]? {
        guard let bytes = ProcText.read("\(procRoot)/\(pid)/net/dev") else { return nil }
        return parse(bytes)
    }

    /// Names from `net/dev` text: two header lines, then `  name: counters…` per interface.
    static func parse(_ bytes: [UInt8]) -> [String] {
        var names: [String] = []
        for (index, line) in bytes.split(separator: UInt8(ascii: "\n")).enumerated() where index >= 2 {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            let name = line[line.startIndex..<colon].drop { $0 == UInt8(ascii: " ") }
            if !name.isEmpty { names.append(String(decoding: name, as: UTF8.self)) }
        }
        return names
    }
}
