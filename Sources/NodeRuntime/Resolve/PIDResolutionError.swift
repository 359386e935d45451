import Glibc

/// Why no PID could be found for a Pod's containers.
public enum PIDResolutionError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The target lists no running container.
    case noContainers
    /// None of the IDs has the `<runtime>://<id>` shape.
    case invalidContainerIDs([String])
    /// No process on this node belongs to any of these containers (yet).
    case notFound([String], procRoot: String)
    /// The proc root itself cannot be listed (wrong `--proc-root`, missing `hostPID`).
    case procUnreadable(String, errno: Int32)

    public var description: String {
        switch self {
        case .noContainers:
            "the Pod has no running container"
        case .invalidContainerIDs(let ids):
            "no usable container ID (expected <runtime>://<id>): \(ids.joined(separator: ", "))"
        case .notFound(let ids, let procRoot):
            "no process in \(procRoot) belongs to container \(ids.joined(separator: " or "))"
        case .procUnreadable(let path, let code):
            "cannot list \(path): \(String(cString: strerror(code)))"
        }
    }
}
