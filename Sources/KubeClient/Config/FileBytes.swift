#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whole-file reads with POSIX calls: the reason of a failure is `strerror(errno)`
/// ("No such file or directory"), which needs no localisation tables.
enum FileBytes {
    struct Failure: Error, CustomStringConvertible {
        var errno: Int32
        var description: String {
            errno == EFBIG ? "larger than \(FileBytes.limit) bytes, not a kubeconfig, certificate or token" : String(cString: strerror(errno))
        }
    }

    /// Kubeconfigs, certificates and tokens are kilobytes; a path naming `/dev/zero` or a
    /// growing log must fail, not read until memory runs out.
    static let limit = 16 << 20

    static func read(_ path: String) -> Result<[UInt8], Failure> {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return .failure(Failure(errno: errno)) }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { posixRead(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(Failure(errno: errno))
            }
            if n == 0 { return .success(bytes) }
            bytes.append(contentsOf: chunk[0..<n])
            if bytes.count > limit { return .failure(Failure(errno: EFBIG)) }
        }
    }
}

/// `read(2)`, named apart from `FileBytes.read(_:)`.
private func posixRead(_ fd: Int32, _ buffer: UnsafeMutableRawPointer?, _ count: Int) -> Int {
    read(fd, buffer, count)
}
