#if canImport(Glibc)
import Glibc
#endif

/// Drops the executable's code pages that startup faulted in.
///
/// The static binary's code segment (~34 MB) is mapped from the file, and on every page fault
/// the kernel maps up to 16 neighbouring pages that are already in the page cache too
/// ("fault-around", 64 KB). Argument parsing, TLS setup and the other one-time work of startup
/// so leave megabytes of code pages in the RSS that the running controller never executes
/// again. `MADV_DONTNEED` unmaps them; what the controller does run faults back in from the
/// page cache. Only the executable (`r-x`) mapping is touched: it is never written, so nothing
/// is lost; RELRO (`r--`, written by the loader) and data (`rw-`) are left alone.
enum ExecutableResidency {
    static func trimCodePages() {
        #if os(Linux)
        guard let maps = readFile("/proc/self/maps"), let exe = selfExecutable() else { return }
        for line in maps.split(separator: "\n") {
            // start-end perms offset dev inode path
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1] == "r-xp", fields[5...].joined(separator: " ") == exe else { continue }
            let bounds = fields[0].split(separator: "-")
            guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16), end > start,
                  let address = UnsafeMutableRawPointer(bitPattern: start) else { continue }
            let length = Int(end - start)
            _ = madvise(address, length, MADV_DONTNEED)
        }
        #endif
    }

    private static func selfExecutable() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard n > 0 else { return nil }
        return String(decoding: buffer[0..<n].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    private static func readFile(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0, errno == EINTR { continue }
            guard n > 0 else { break }
            bytes.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
