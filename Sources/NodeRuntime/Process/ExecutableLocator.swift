import Glibc

/// Resolves a configured binary (`nsenter`, `tcpdump`) to an absolute, executable path.
public enum ExecutableLocator {
    /// Which Debian/Ubuntu package installs each binary podcap runs, for error messages.
    static let packages = ["nsenter": "util-linux", "tcpdump": "tcpdump", "ip": "iproute2"]

    /// `name` itself when it contains a `/`, else the first match on `PATH`.
    public static func locate(_ name: String, path: String? = nil) throws(ExecutableNotFound) -> String {
        if name.contains("/") {
            guard access(name, X_OK) == 0 else { throw ExecutableNotFound(name: name, searched: [name]) }
            return name
        }
        let search = path ?? (getenv("PATH").map { String(cString: $0) } ?? "/usr/sbin:/usr/bin:/sbin:/bin")
        var tried: [String] = []
        for dir in search.split(separator: ":") where !dir.isEmpty {
            let candidate = dir + "/" + name
            tried.append(candidate)
            if access(candidate, X_OK) == 0 { return candidate }
        }
        throw ExecutableNotFound(name: name, searched: tried)
    }
}

/// A required binary is missing or not executable.
public struct ExecutableNotFound: Error, Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var searched: [String]

    public var description: String {
        let base = name.split(separator: "/").last.map(String.init) ?? name
        let hint = ExecutableLocator.packages[base].map { " (install the \($0) package)" } ?? ""
        if name.contains("/") { return "\(name) does not exist or is not executable\(hint)" }
        return "\(name) not found on PATH\(hint)"
    }
}
