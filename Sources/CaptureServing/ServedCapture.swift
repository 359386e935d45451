import CaptureTransfer
import Glibc
import NodeRuntime

/// The files one request may read: the agent's listing for the Pod, each path checked against
/// the capture file grammar and the requested Pod before it is opened.
///
/// The listing comes from the controller's own reports, so it is already right; the check is
/// the second lock on the door: a bug elsewhere must still not make `export` read `/etc/shadow`
/// or another Pod's capture.
public struct ServedCapture: Sendable {
    public var request: CaptureRequestName
    public var listing: CaptureListing
    /// The capture directory all files are in.
    public var directory: String

    public init(request: CaptureRequestName, listing: CaptureListing) throws(ServingError) {
        guard listing.namespace == request.namespace, listing.name == request.name else {
            throw .notCaptured(namespace: request.namespace, name: request.name)
        }
        var directory: String?
        for path in listing.files + listing.ring {
            guard let slash = path.lastIndex(of: "/"), path.hasPrefix("/") else { throw .foreignFile(path: path) }
            let dir = String(path[..<slash])
            let base = String(path[path.index(after: slash)...])
            guard let parsed = CaptureFileName(base), parsed.pod == request.name,
                  parsed.namespace == nil || parsed.namespace == request.namespace,
                  !dir.split(separator: "/").contains(".."), directory == nil || directory == dir
            else { throw .foreignFile(path: path) }
            directory = dir
        }
        self.request = request
        self.listing = listing
        self.directory = directory ?? ""
    }

    /// Opens `path` for reading without following a symbolic link; `nil` when it does not exist
    /// (tcpdump has not rotated into it yet). Anything but a regular file is refused.
    static func open(_ path: String) throws(ServingError) -> Int32? {
        let fd = Glibc.open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        if fd < 0 {
            if errno == ENOENT { return nil }
            if errno == ELOOP { throw .foreignFile(path: path) }
            throw .unreadable(path: path, reason: String(cString: strerror(errno)))
        }
        var info = stat()
        guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw .foreignFile(path: path)
        }
        return fd
    }

    /// Size of whatever is at `path` (not following a link), `nil` when nothing is.
    static func entrySize(_ path: String) -> Int? {
        var info = stat()
        return lstat(path, &info) == 0 ? Int(info.st_size) : nil
    }

    /// Size and modification time of a regular file, `nil` when absent.
    static func stamp(_ path: String) -> (size: Int, modified: Int64)? {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return (Int(info.st_size), Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec))
    }
}
