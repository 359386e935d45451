import Actors
import Glibc

/// The directory all capture files live in (`/capture` in the DaemonSet).
///
/// Privacy: captures contain Pod traffic. The directory is forced to mode 0700 so nothing but
/// root can even reach the files, whatever their mode. tcpdump creates each rotation file with
/// `fopen`, i.e. 0666 minus the umask it inherits, so podcap sets its umask to 077 at start-up
/// (`restrictUmask()`); `enforceFileModes(of:)` additionally repairs files that exist with
/// looser bits (e.g. from an older run). A umask beats chmod-after-create: there is no window
/// in which a new rotation file is world-readable, and no watcher is needed.
public struct CaptureDirectory: Sendable, Hashable {
    /// Absolute path, without a trailing slash.
    public let path: String

    public init(path: String) {
        var trimmed = path
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.path = trimmed
    }

    /// Sets the process umask to 077 so files tcpdump creates are 0600; returns the old one.
    ///
    /// Process-wide, hence a separate call the app makes once at start-up.
    @discardableResult
    public static func restrictUmask() -> mode_t {
        umask(0o077)
    }

    /// Creates the directory (and missing parents, 0755) if needed and sets its mode to 0700.
    public func prepare() throws(CaptureDirectoryError) {
        var info = stat()
        if lstat(path, &info) != 0 {
            guard errno == ENOENT else { throw CaptureDirectoryError(path: path, operation: "inspect", errno: errno) }
            try createParents()
            if mkdir(path, 0o700) != 0, errno != EEXIST {
                throw CaptureDirectoryError(path: path, operation: "create", errno: errno)
            }
            guard lstat(path, &info) == 0 else { throw CaptureDirectoryError(path: path, operation: "inspect", errno: errno) }
        }
        guard (info.st_mode & S_IFMT) == S_IFDIR else {
            throw CaptureDirectoryError(path: path, operation: "use as a directory", errno: ENOTDIR)
        }
        // mkdir honours the umask and an existing directory may be looser: set the mode exactly.
        if info.st_mode & 0o7777 != 0o700, chmod(path, 0o700) != 0 {
            throw CaptureDirectoryError(path: path, operation: "chmod 0700", errno: errno)
        }
    }

    /// Names (not paths) of the directory's entries that match `CaptureFileName`'s grammar.
    public func captureFileNames() throws(CaptureDirectoryError) -> [String] {
        guard let dir = opendir(path) else { throw CaptureDirectoryError(path: path, operation: "list", errno: errno) }
        defer { closedir(dir) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
            }
            if CaptureFileName(name) != nil { names.append(name) }
        }
        return names.sorted()
    }

    /// Names of the regular files in the directory that `plan` owns: the ring of any run
    /// (every ring size up to N) and the segments kept from earlier runs. Exact by grammar:
    /// the base must equal the plan's and the suffix be one tcpdump gives a ring of at most N
    /// files, so Pod `a` never matches Pod `a.pcap1`'s files, and symlinks or directories that
    /// imitate our names are never returned.
    public func ownedNames(of plan: CapturePlan) throws(CaptureDirectoryError) -> [CaptureFileName] {
        try captureFileNames().compactMap { name in
            guard let parsed = CaptureFileName(name), Self.owns(plan, parsed),
                  CaptureFiles.size(of: path + "/" + name) != nil else { return nil }
            return parsed
        }
    }

    static func owns(_ plan: CapturePlan, _ name: CaptureFileName) -> Bool {
        name.base == plan.baseName && plan.ownsRingSuffix(name.suffix)
    }

    /// Paths of regular files podcap could have created that belong to none of `desired`.
    ///
    /// A file of a desired Pod outside any ring it could write (`capture-a.pcap5` while N is
    /// now 3) is stale too. Plans for another directory are ignored.
    public func staleFiles(desired: [CapturePlan]) throws(CaptureDirectoryError) -> [String] {
        var byBase: [String: CapturePlan] = [:]
        for plan in desired where CaptureDirectory(path: plan.settings.directory).path == path {
            byBase[plan.baseName] = plan
        }
        return try captureFileNames()
            .filter { name in
                guard let parsed = CaptureFileName(name) else { return false }
                guard let plan = byBase[parsed.base] else { return true }
                return !Self.owns(plan, parsed)
            }
            .map { path + "/" + $0 }
            .filter { CaptureFiles.size(of: $0) != nil }
    }

    /// Deletes `staleFiles(desired:)`, returning the removed paths.
    public func removeStaleFiles(desired: [CapturePlan]) throws(CaptureDirectoryError) -> [String] {
        CaptureFiles.remove(try staleFiles(desired: desired))
    }

    /// Deletes every file `plan` owns (`ownedNames(of:)`), returning the removed paths.
    public func removeOwnedFiles(of plan: CapturePlan) throws(CaptureDirectoryError) -> [String] {
        CaptureFiles.remove(try ownedNames(of: plan).map { path + "/" + $0.fileName })
    }

    /// Bytes currently on disk for `plan` (sum over its existing files).
    public static func diskUsage(of plan: CapturePlan) -> Int64 {
        plan.filePaths.reduce(0) { $0 + (CaptureFiles.size(of: $1) ?? 0) }
    }

    /// Bytes used by every capture file in the directory.
    public func totalUsage() throws(CaptureDirectoryError) -> Int64 {
        try captureFileNames().reduce(0) { $0 + (CaptureFiles.size(of: path + "/" + $1) ?? 0) }
    }

    /// chmods `plan`'s existing files to 0600 where they are looser; returns the paths fixed.
    public static func enforceFileModes(of plan: CapturePlan) -> [String] {
        plan.filePaths.filter { path in
            guard let mode = CaptureFiles.mode(of: path), CaptureFiles.size(of: path) != nil, mode != 0o600 else { return false }
            return chmod(path, 0o600) == 0
        }
    }

    private func createParents() throws(CaptureDirectoryError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        let components = path.split(separator: "/")
        for component in components.dropLast() {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0, errno != EEXIST {
                throw CaptureDirectoryError(path: prefix, operation: "create", errno: errno)
            }
        }
    }
}
