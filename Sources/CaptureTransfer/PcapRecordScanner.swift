/// Walks the records of pcap bytes that may still be growing.
///
/// tcpdump writes with `-U`, one flush per packet, so a file read while it is written can end
/// in the middle of a record. Export and follow send only whole records: a reader never sees a
/// torn packet, and a stream stays parseable when the next file's records are appended.
public struct PcapRecordScanner: Sendable {
    /// A record larger than this is corruption, not a packet (libpcap's own upper bound).
    public static let maxRecordBytes = 262_144 * 4

    public let header: PcapFileHeader

    public init(header: PcapFileHeader) {
        self.header = header
    }

    /// The outcome of a scan.
    public struct Scan: Sendable, Hashable {
        public var records: [PcapRecord]
        /// Offset after the last whole record: what can be sent now.
        public var completeLength: Int
        /// A record header claimed an impossible length; the bytes after `completeLength` are not pcap.
        public var corrupt: Bool
    }

    /// Scans `bytes` (the whole file so far) from `offset`, a record boundary.
    public func scan(_ bytes: [UInt8], from offset: Int = PcapFileHeader.size, collect: Bool = true) -> Scan {
        var records: [PcapRecord] = []
        var position = offset
        let limit = max(Int(header.snaplen), Self.maxRecordBytes)
        while position + PcapFileHeader.recordHeaderSize <= bytes.count {
            let seconds = PcapFileHeader.read32(bytes, position, swapped: header.swapped)
            let fraction = PcapFileHeader.read32(bytes, position + 4, swapped: header.swapped)
            let captured = Int(PcapFileHeader.read32(bytes, position + 8, swapped: header.swapped))
            let original = Int(PcapFileHeader.read32(bytes, position + 12, swapped: header.swapped))
            guard captured <= limit, fraction < (header.nanosecond ? 1_000_000_000 : 1_000_000) else {
                return Scan(records: records, completeLength: position, corrupt: true)
            }
            let end = position + PcapFileHeader.recordHeaderSize + captured
            guard end <= bytes.count else { break }
            if collect {
                let nanos = UInt64(seconds) * 1_000_000_000 + UInt64(fraction) * (header.nanosecond ? 1 : 1000)
                records.append(PcapRecord(offset: position, capturedLength: captured, originalLength: original,
                                          timestampNanoseconds: nanos))
            }
            position = end
        }
        return Scan(records: records, completeLength: position, corrupt: false)
    }
}
