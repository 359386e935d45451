/// One packet record of a pcap file: where it is and when it was captured.
public struct PcapRecord: Sendable, Hashable {
    /// Offset of the record header in the file.
    public var offset: Int
    /// Bytes captured (the record's data, without its 16-byte header).
    public var capturedLength: Int
    /// Length of the packet on the wire.
    public var originalLength: Int
    /// Capture time in nanoseconds since the epoch.
    public var timestampNanoseconds: UInt64

    /// Offset of the byte after the record.
    public var end: Int { offset + PcapFileHeader.recordHeaderSize + capturedLength }
    /// Offset of the packet data.
    public var dataOffset: Int { offset + PcapFileHeader.recordHeaderSize }

    public init(offset: Int, capturedLength: Int, originalLength: Int, timestampNanoseconds: UInt64) {
        self.offset = offset
        self.capturedLength = capturedLength
        self.originalLength = originalLength
        self.timestampNanoseconds = timestampNanoseconds
    }
}
