import Glibc

/// Whole reads and writes on file descriptors, retrying short transfers and EINTR; shared by the
/// agent's serving side and the plugin.
public enum FileDescriptorIO {
    /// Writes every byte; `false` on an error (errno says which), EPIPE included.
    public static func writeAll(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Bool {
        var rest = bytes
        while !rest.isEmpty {
            let n = rest.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return false
            }
            rest = rest.dropFirst(n)
        }
        return true
    }

    /// Reads from `offset` to the end of the file as it is now, at most `limit` bytes.
    public static func readToEnd(_ fd: Int32, from offset: Int, limit: Int = 64 << 20) -> [UInt8]? {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var position = offset
        while out.count < limit {
            let want = min(buffer.count, limit - out.count)
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, want, off_t(position)) }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                return nil
            }
            out += buffer[0..<n]
            position += n
        }
        return out
    }
}
