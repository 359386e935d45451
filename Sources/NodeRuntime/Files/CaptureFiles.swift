import Glibc

/// File operations on exact paths; nothing here ever expands a pattern.
public enum CaptureFiles {
    /// Unlinks each path, returning those that existed and were removed. ENOENT is success.
    public static func remove(_ paths: [String]) -> [String] {
        var removed: [String] = []
        for path in paths where unlink(path) == 0 {
            removed.append(path)
        }
        return removed
    }

    /// Size in bytes of a regular file, `nil` when it does not exist or is something else.
    public static func size(of path: String) -> Int64? {
        var info = stat()
        guard lstat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int64(info.st_size)
    }

    /// Whether something other than a regular file (a symlink, a directory, a FIFO) is at `path`.
    public static func isOccupiedByNonRegularFile(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG
    }

    /// Permission bits of a path, `nil` when it does not exist.
    public static func mode(of path: String) -> mode_t? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return info.st_mode & 0o7777
    }
}
