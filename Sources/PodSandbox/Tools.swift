import Glibc

/// Small system helpers of the sandbox.
enum Tools {
    static func locate(_ name: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        let search = getenv("PATH").map { String(cString: $0) } ?? "/usr/sbin:/usr/bin:/sbin:/bin"
        for dir in (search + ":/usr/sbin:/sbin").split(separator: ":") where !dir.isEmpty {
            let candidate = dir + "/" + name
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    static func randomHex(_ count: Int) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<count).map { _ in "0123456789abcdef".randomElement(using: &generator)! })
    }

    static func randomUUID() -> String {
        let hex = randomHex(32)
        let cuts = [8, 12, 16, 20]
        var out = ""
        for (i, character) in hex.enumerated() {
            if cuts.contains(i) { out.append("-") }
            out.append(character)
        }
        return out
    }

    static func inode(_ path: String) throws(SandboxError) -> UInt64 {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .system("stat", path: path, errno: errno) }
        return UInt64(info.st_ino)
    }

    /// Waits (at most `timeout`) until `/proc/<pid>/ns/net` is the namespace with `inode`.
    /// The kernel offers no notification for a process changing namespace, so this re-checks.
    static func waitUntilInNamespace(pid: Int32, inode: UInt64, timeout: Duration = .seconds(5)) async throws(SandboxError) {
        let deadline = ContinuousClock.now + timeout
        let path = "/proc/\(pid)/ns/net"
        while (try? Tools.inode(path)) != inode {
            guard ContinuousClock.now < deadline else {
                throw .system("waiting for the sandbox process to enter its network namespace", path: path, errno: ETIMEDOUT)
            }
            try? await Task.sleep(for: .milliseconds(1))
        }
    }

    /// What `ip netns delete` does: detach the bind mount that keeps the namespace alive,
    /// then remove the mount point. Done directly so teardown spawns nothing.
    static func deleteNamespace(_ name: String) {
        let path = "/var/run/netns/" + name
        _ = umount2(path, Int32(MNT_DETACH))
        _ = unlink(path)
    }
}

extension String {
    /// systemd escapes `-` in slice names as `_`, as the kubelet does with Pod UIDs.
    func replacingDashes() -> String { String(map { $0 == "-" ? "_" : $0 }) }
}
