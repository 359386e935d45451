/// Hashes of the container IDs a `/proc/<pid>/cgroup` file may name, taken from the last
/// segment of each line's path (where runtimes put the container's cgroup), in every shape
/// `CgroupSegmentMatcher` accepts: bare, `<runtime>-<id>[.scope]`, `<slice>:<runtime>:<id>`.
///
/// Only a hint for `ContainerPIDResolver`'s cache: a PID found through it is confirmed by
/// reading its file with the real matcher, and a miss falls back to a full scan.
struct CgroupIDHints: Sendable {
    /// Up to four distinct hashes; `overflow` when a file named more (then it is always read).
    private var hashes: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var count: UInt8 = 0
    private(set) var overflow = false

    private static let prefixes: [[UInt8]] = ["cri-containerd-", "crio-", "docker-", "libpod-"].map { Array($0.utf8) }
    private static let colonForms: [[UInt8]] = [":cri-containerd:", ":crio:", ":docker:"].map { Array($0.utf8) }
    private static let scope = Array(".scope".utf8)

    /// The hash an ID is looked up by (per process: `Hasher` is seeded at start).
    static func hash(_ id: some Collection<UInt8>) -> UInt64 {
        var hasher = Hasher()
        for byte in id { hasher.combine(byte) }
        return UInt64(bitPattern: Int64(hasher.finalize()))
    }

    init(_ file: UnsafeRawBufferPointer) {
        let newline = UInt8(ascii: "\n"), slash = UInt8(ascii: "/")
        var lineStart = 0
        while lineStart < file.count {
            var lineEnd = lineStart
            while lineEnd < file.count, file[lineEnd] != newline { lineEnd += 1 }
            var segmentStart = lineEnd
            while segmentStart > lineStart, file[segmentStart - 1] != slash { segmentStart -= 1 }
            // Lines without a '/' have no path ("0::" style garbage): nothing to hint.
            if segmentStart > lineStart, segmentStart < lineEnd {
                addCandidates(UnsafeRawBufferPointer(rebasing: file[segmentStart..<lineEnd]))
            }
            lineStart = lineEnd + 1
        }
    }

    /// Whether the file may name the container whose ID hashes to `id`.
    func mayName(_ id: UInt64) -> Bool {
        if overflow { return true }
        switch count {
        case 0: return false
        case 1: return hashes.0 == id
        case 2: return hashes.0 == id || hashes.1 == id
        case 3: return hashes.0 == id || hashes.1 == id || hashes.2 == id
        default: return hashes.0 == id || hashes.1 == id || hashes.2 == id || hashes.3 == id
        }
    }

    private mutating func addCandidates(_ segment: UnsafeRawBufferPointer) {
        var end = segment.count
        var scoped = false
        if end >= Self.scope.count, segment[(end - Self.scope.count)..<end].elementsEqual(Self.scope) {
            end -= Self.scope.count
            scoped = true
        }
        let body = segment[0..<end]
        add(Self.hash(body))
        for prefix in Self.prefixes where body.count > prefix.count && body.prefix(prefix.count).elementsEqual(prefix) {
            add(Self.hash(body.dropFirst(prefix.count)))
        }
        guard !scoped else { return }
        for form in Self.colonForms {
            if let at = Self.lastOccurrence(of: form, in: body), at > 0, at + form.count < end {
                add(Self.hash(body[(at + form.count)..<end]))
            }
        }
    }

    private static func lastOccurrence(of pattern: [UInt8], in bytes: Slice<UnsafeRawBufferPointer>) -> Int? {
        guard bytes.count >= pattern.count else { return nil }
        var start = bytes.endIndex - pattern.count
        while start >= bytes.startIndex {
            if bytes[start..<(start + pattern.count)].elementsEqual(pattern) { return start }
            start -= 1
        }
        return nil
    }

    private mutating func add(_ hash: UInt64) {
        if mayName(hash), !overflow { return }
        switch count {
        case 0: hashes.0 = hash
        case 1: hashes.1 = hash
        case 2: hashes.2 = hash
        case 3: hashes.3 = hash
        default:
            overflow = true
            return
        }
        count += 1
    }
}
