// Stand-in for swift-nio's NIOFoundationEssentialsCompat: `JSONDecoder.decode(_:from:)` for a
// ByteBuffer (the stub in NIOCore.swift), as the watch decoder's ERROR path calls it.
import FoundationEssentials
import NIOCore

extension JSONDecoder {
    public func decode<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        try decode(type, from: Data(buffer.readableBytesView))
    }
}
