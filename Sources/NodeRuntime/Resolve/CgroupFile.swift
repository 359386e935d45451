/// Parsing of `/proc/<pid>/cgroup` bytes: `hierarchy-ID:controllers:path` per line.
enum CgroupFile {
    /// Whether any line's path has a segment that `matcher` accepts.
    static func anyPath(_ bytes: UnsafeRawBufferPointer, matches matcher: CgroupSegmentMatcher) -> Bool {
        let newline = UInt8(ascii: "\n"), colon = UInt8(ascii: ":"), slash = UInt8(ascii: "/")
        var lineStart = 0
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != newline { lineEnd += 1 }
            // The path starts after the second colon; the path itself may contain colons.
            var colons = 0
            var pathStart = lineStart
            while pathStart < lineEnd, colons < 2 {
                if bytes[pathStart] == colon { colons += 1 }
                pathStart += 1
            }
            if colons == 2 {
                var segmentStart = pathStart
                var i = pathStart
                while i <= lineEnd {
                    if i == lineEnd || bytes[i] == slash {
                        if i > segmentStart,
                           matcher.matches(UnsafeRawBufferPointer(rebasing: bytes[segmentStart..<i])) {
                            return true
                        }
                        segmentStart = i + 1
                    }
                    i += 1
                }
            }
            lineStart = lineEnd + 1
        }
        return false
    }
}
