import Glibc
import NIOCore

/// Splits a chunked HTTP body into newline-delimited lines without copying whole chunks.
///
/// A line wholly inside one chunk is returned as a slice sharing that chunk's storage; only a line
/// that straddles chunks is assembled into a separate buffer.
public struct WatchLineSplitter: Sendable {
    private var current = ByteBuffer()
    private var partial: ByteBuffer?
    /// Longest line accepted; a longer one is a protocol error rather than unbounded buffering.
    public let maxLineBytes: Int

    /// A line exceeded ``maxLineBytes``. Logged and counted by the watcher, so it names the limit.
    public struct LineTooLong: Error, Sendable, CustomStringConvertible {
        public var limit: Int
        public var description: String { "watch line longer than \(limit) bytes" }
    }

    public init(maxLineBytes: Int = 16 << 20) {
        self.maxLineBytes = maxLineBytes
    }

    /// Hands the next received chunk to the splitter; call ``nextLine()`` until it returns `nil` first.
    public mutating func append(_ chunk: ByteBuffer) {
        current = chunk
    }

    /// The next complete line (without its `\n`), or `nil` when more input is needed.
    public mutating func nextLine() throws(LineTooLong) -> ByteBuffer? {
        while current.readableBytes > 0 {
            // memchr: the byte-wise Collection search was the splitter's whole cost.
            let found = current.withUnsafeReadableBytes { bytes -> Int? in
                guard let base = bytes.baseAddress, let hit = memchr(base, Int32(UInt8(ascii: "\n")), bytes.count) else { return nil }
                return base.distance(to: UnsafeRawPointer(hit))
            }
            guard let newline = found else {
                var rest = current.readSlice(length: current.readableBytes)!
                if partial == nil {
                    partial = ByteBuffer()
                    partial!.reserveCapacity(rest.readableBytes * 2)
                }
                partial!.writeBuffer(&rest)
                if partial!.readableBytes > maxLineBytes { throw LineTooLong(limit: maxLineBytes) }
                return nil
            }
            var line = current.readSlice(length: newline)!
            current.moveReaderIndex(forwardBy: 1)
            if var assembled = partial {
                partial = nil
                assembled.writeBuffer(&line)
                if assembled.readableBytes > maxLineBytes { throw LineTooLong(limit: maxLineBytes) }
                if assembled.readableBytes == 0 { continue }
                return assembled
            }
            if line.readableBytes == 0 { continue }
            return line
        }
        return nil
    }

    /// Bytes of an unfinished line left when the stream ended (a half-written event).
    public var pendingBytes: Int { partial?.readableBytes ?? 0 }
}
