#if canImport(Glibc)
import Glibc
#endif

/// Drops the read-only file pages (code, constants, symbol tables) that a burst of work
/// faulted in.
///
/// The static binary's code segment (~34 MB) and the shared libraries are mapped from their
/// files, and on every page fault the kernel maps the neighbouring pages already in the page
/// cache too ("fault-around", 64 KB or a whole large folio, ~100 KB per fault measured here).
/// Argument parsing, TLS setup, the dynamic loader's symbol lookups and the other one-time work
/// of startup so leave megabytes in the RSS that the running controller never touches again.
/// `MADV_DONTNEED` unmaps them; what does run faults back in from the page cache.
///
/// Only private mappings that cannot be written (`r-xp`, `r--p`) are trimmed, and in them only
/// pages that are still the file's: RELRO (written by the loader before it was made read-only)
/// holds copied, relocated pages, and dropping those would lose the relocations. A page's
/// origin comes from `/proc/self/pagemap` (bit 61: file page); as these mappings are not
/// writable, it cannot change between the check and the `madvise`. Writable data is left alone.
enum ExecutableResidency {
    static func trimCodePages() {
        #if os(Linux)
        guard let maps = readFile("/proc/self/maps") else { return }
        let pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC)
        guard pagemap >= 0 else { return }
        defer { close(pagemap) }
        for line in maps.split(separator: "\n") {
            // start-end perms offset dev inode path
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 6, fields[1] == "r-xp" || fields[1] == "r--p", fields[5].first == "/" else { continue }
            let bounds = fields[0].split(separator: "-")
            guard bounds.count == 2, let start = UInt(bounds[0], radix: 16), let end = UInt(bounds[1], radix: 16), end > start else {
                continue
            }
            dropFilePages(start: start, end: end, pagemap: pagemap)
        }
        #endif
    }

    private static let pageSize = UInt(sysconf(Int32(_SC_PAGESIZE)))
    /// pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst).
    private static let present: UInt64 = 1 << 63
    private static let filePage: UInt64 = 1 << 61

    /// `MADV_DONTNEED` on every run of pages in `start..<end` that holds no copied (anonymous) page.
    private static func dropFilePages(start: UInt, end: UInt, pagemap: Int32) {
        let pages = Int((end - start) / pageSize)
        var runStart: UInt? = nil
        func flush(upTo address: UInt) {
            if let from = runStart, address > from, let pointer = UnsafeMutableRawPointer(bitPattern: from) {
                _ = madvise(pointer, Int(address - from), MADV_DONTNEED)
            }
            runStart = nil
        }
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: 512) { entries in
            var page = 0
            while page < pages {
                let count = min(entries.count, pages - page)
                let offset = off_t((Int(start / pageSize) + page) * 8)
                let got = pread(pagemap, entries.baseAddress, count * 8, offset)
                guard got == count * 8 else {
                    runStart = nil
                    return
                }
                for i in 0..<count {
                    let address = start + UInt(page + i) * pageSize
                    let entry = entries[i]
                    let copied = entry & present != 0 && entry & filePage == 0
                    if copied {
                        flush(upTo: address)
                    } else if runStart == nil {
                        runStart = address
                    }
                }
                page += count
            }
            flush(upTo: end)
        }
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
