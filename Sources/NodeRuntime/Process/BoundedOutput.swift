/// What a child wrote to one stream, bounded: the first `headLimit` bytes (where start-up
/// errors are) and the last `tailLimit` bytes (where tcpdump's closing statistics are).
struct BoundedOutput: Sendable {
    let headLimit: Int
    let tailLimit: Int
    private(set) var head: [UInt8] = []
    private(set) var tail: [UInt8] = []
    /// Bytes that were neither in the head nor in the tail.
    private(set) var dropped = 0

    init(headLimit: Int = 4096, tailLimit: Int = 16384) {
        self.headLimit = headLimit
        self.tailLimit = tailLimit
    }

    mutating func append(_ bytes: UnsafeRawBufferPointer) {
        var rest = bytes[...]
        if head.count < headLimit {
            let take = min(headLimit - head.count, rest.count)
            head.append(contentsOf: rest.prefix(take))
            rest = rest.dropFirst(take)
        }
        guard !rest.isEmpty else { return }
        tail.append(contentsOf: rest)
        // Trimming only once the tail doubled keeps appends amortised O(1).
        if tail.count > 2 * tailLimit {
            let excess = tail.count - tailLimit
            tail.removeFirst(excess)
            dropped += excess
        }
    }

    /// Whether the first bytes (where start-up messages are) contain `marker`.
    func headContains(_ marker: [UInt8]) -> Bool {
        guard !marker.isEmpty, head.count >= marker.count else { return false }
        var index = 0
        while index + marker.count <= head.count {
            if head[index] == marker[0], head[index..<index + marker.count].elementsEqual(marker) { return true }
            index += 1
        }
        return false
    }

    /// The retained text; a marker line stands for what was dropped.
    var text: String {
        var bytes = head
        var trimmedTail = tail[...]
        var lost = dropped
        if trimmedTail.count > tailLimit {
            lost += trimmedTail.count - tailLimit
            trimmedTail = trimmedTail.suffix(tailLimit)
        }
        if lost > 0 { bytes.append(contentsOf: Array("\n[… \(lost) bytes omitted …]\n".utf8)) }
        bytes.append(contentsOf: trimmedTail)
        return String(decoding: bytes, as: UTF8.self)
    }
}
