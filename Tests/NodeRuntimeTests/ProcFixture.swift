import Glibc
import Testing

/// A fake `/proc` in a temporary directory: `<root>/<pid>/cgroup` files with chosen contents.
struct ProcFixture: ~Copyable {
    let root: String

    init() {
        var template = Array("/tmp/podcap-proc-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        root = String(cString: made!)
    }

    deinit {
        TempTree.removeTree(root)
    }

    /// Adds process `pid` whose cgroup file has `lines`.
    func add(pid: Int32, _ lines: [String]) {
        let dir = root + "/\(pid)"
        mkdir(dir, 0o755)
        TempTree.write(dir + "/cgroup", lines.joined(separator: "\n") + "\n")
    }

    /// Removes process `pid` (it exited).
    func remove(pid: Int32) {
        unlink(root + "/\(pid)/cgroup")
        rmdir(root + "/\(pid)")
    }

    /// Adds a directory that is not a process (like `/proc/sys`).
    func addNonProcess(_ name: String) {
        mkdir(root + "/" + name, 0o755)
    }
}

/// File helpers for temporary trees the tests build.
enum TempTree {
    static func makeDirectory(_ prefix: String = "podcap-test") -> String {
        var template = Array("/tmp/\(prefix)-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        return String(cString: made!)
    }

    static func write(_ path: String, _ text: String, mode: mode_t = 0o644) {
        write(path, Array(text.utf8), mode: mode)
    }

    static func write(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
        precondition(fd >= 0, "cannot create \(path)")
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        fchmod(fd, mode)
        close(fd)
    }

    static func exists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }

    static func list(_ dir: String) -> [String] {
        guard let handle = opendir(dir) else { return [] }
        defer { closedir(handle) }
        var names: [String] = []
        while let entry = readdir(handle) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != ".", name != ".." { names.append(name) }
        }
        return names.sorted()
    }

    /// Removes a tree the tests created (walks it; test-only, paths under /tmp).
    static func removeTree(_ path: String) {
        precondition(path.hasPrefix("/tmp/podcap-"), "refusing to remove \(path)")
        for name in list(path) {
            let child = path + "/" + name
            var info = stat()
            if lstat(child, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
                removeTree(child)
            } else {
                unlink(child)
            }
        }
        rmdir(path)
    }

    static func mode(_ path: String) -> mode_t {
        var info = stat()
        stat(path, &info)
        return info.st_mode & 0o7777
    }
}
