import Glibc

/// Reads `<procRoot>/<pid>/cgroup` files into one growing buffer reused across a scan, and
/// builds their paths in another, so a scan allocates O(1) times rather than per process.
struct CgroupFileReader: ~Copyable {
    private var path: UnsafeMutableBufferPointer<UInt8>
    private var prefixLength: Int
    private var buffer: UnsafeMutableRawBufferPointer

    init(procRoot: String) {
        let root = Array(procRoot.utf8)
        path = .allocate(capacity: root.count + 32)
        _ = path.initialize(from: root)
        path[root.count] = UInt8(ascii: "/")
        prefixLength = root.count + 1
        buffer = .allocate(byteCount: 4096, alignment: 16)
    }

    deinit {
        path.deallocate()
        buffer.deallocate()
    }

    /// Calls `body` with the file's bytes; does nothing when it cannot be read (process gone).
    mutating func read(pid: Int32, _ body: (UnsafeRawBufferPointer) -> Void) {
        var cursor = prefixLength
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var count = 0
        var rest = UInt32(pid)
        withUnsafeMutableBytes(of: &digits) { d in
            repeat {
                d[count] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
                count += 1
            } while rest > 0
            for i in stride(from: count - 1, through: 0, by: -1) {
                path[cursor] = d[i]
                cursor += 1
            }
        }
        for byte in "/cgroup".utf8 {
            path[cursor] = byte
            cursor += 1
        }
        path[cursor] = 0
        let fd = path.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_RDONLY | O_CLOEXEC) }
        guard fd >= 0 else { return }
        defer { close(fd) }
        var used = 0
        while true {
            if used == buffer.count { grow() }
            let n = Glibc.read(fd, buffer.baseAddress! + used, buffer.count - used)
            if n > 0 {
                used += n
            } else if n == 0 {
                break
            } else if errno != EINTR {
                return
            }
        }
        body(UnsafeRawBufferPointer(rebasing: buffer[0..<used]))
    }

    private mutating func grow() {
        let bigger = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
        bigger.copyMemory(from: UnsafeRawBufferPointer(buffer))
        buffer.deallocate()
        buffer = bigger
    }
}
