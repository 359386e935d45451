// Stand-in for the part of swift-nio's NIOCore the watch decoder and line splitter use, so the
// fuzz harnesses compile our sources unchanged without building NIO (and swift-collections,
// swift-atomics) with coverage instrumentation. Same semantics as NIO for these calls: a
// buffer is a window [readerIndex, writerIndex) over storage that slices share.

/// NIO's `ByteBuffer`, reduced to the calls podcap's watch code makes.
public struct ByteBuffer: Sendable, Equatable {
    private var storage: [UInt8]
    public private(set) var readerIndex: Int

    public init() {
        storage = []
        readerIndex = 0
    }

    public init(bytes: some Sequence<UInt8>) {
        storage = Array(bytes)
        readerIndex = 0
    }

    public var readableBytes: Int { storage.count - readerIndex }

    public var readableBytesView: ArraySlice<UInt8> { storage[readerIndex...] }

    public mutating func reserveCapacity(_ minimumCapacity: Int) {
        storage.reserveCapacity(minimumCapacity)
    }

    public func withUnsafeReadableBytes<T, ErrorType: Error>(
        _ body: (UnsafeRawBufferPointer) throws(ErrorType) -> T
    ) throws(ErrorType) -> T {
        let result: Result<T, ErrorType> = storage[readerIndex...].withUnsafeBytes { bytes in
            do throws(ErrorType) { return .success(try body(bytes)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    public mutating func readSlice(length: Int) -> ByteBuffer? {
        guard length >= 0, length <= readableBytes else { return nil }
        let slice = ByteBuffer(bytes: storage[readerIndex..<readerIndex + length])
        readerIndex += length
        return slice
    }

    public mutating func moveReaderIndex(forwardBy offset: Int) {
        precondition(offset >= 0 && offset <= readableBytes, "moveReaderIndex(forwardBy:) past the writer index")
        readerIndex += offset
    }

    @discardableResult
    public mutating func writeBuffer(_ buffer: inout ByteBuffer) -> Int {
        let count = buffer.readableBytes
        storage.append(contentsOf: buffer.readableBytesView)
        buffer.readerIndex += count
        return count
    }

    public static func == (lhs: ByteBuffer, rhs: ByteBuffer) -> Bool {
        lhs.readableBytesView.elementsEqual(rhs.readableBytesView)
    }
}
