import CaptureTransfer
import Glibc

/// `podcap export`: writes every file of one capture, each cut at its last whole packet, as an
/// `ExportFormat` stream.
public struct CaptureExporter: Sendable {
    public var capture: ServedCapture

    public init(capture: ServedCapture) {
        self.capture = capture
    }

    /// Writes the stream to `fd`; returns the files sent and their bytes.
    @discardableResult
    public func write(to fd: Int32) throws(ServingError) -> (files: Int, bytes: Int) {
        let paths = capture.listing.files
        // Anything at one of the capture's names counts: a symlink or directory there is refused
        // by `open` below, loudly, instead of being skipped.
        let present = paths.compactMap { path in ServedCapture.entrySize(path).map { (path, $0) } }
        let approximate = present.reduce(Int64(0)) { $0 + Int64($1.1) }
        guard FileDescriptorIO.writeAll(fd, ExportFormat.begin(files: present.count, approximateBytes: approximate)[...]) else {
            throw .readerGone
        }
        var sent = 0
        for (path, _) in present {
            // Each file is read whole, then cut: it may rotate or grow while the export runs,
            // and what is sent must be a valid pcap file on its own.
            var bytes: [UInt8] = []
            if let fd = try ServedCapture.open(path) {
                defer { close(fd) }
                guard let read = FileDescriptorIO.readToEnd(fd, from: 0) else {
                    throw .unreadable(path: path, reason: String(cString: strerror(errno)))
                }
                bytes = read
            }
            var length = 0
            if let header = PcapFileHeader(bytes) {
                length = PcapRecordScanner(header: header).scan(bytes, collect: false).completeLength
            }
            let name = String(path.split(separator: "/").last ?? "")
            guard FileDescriptorIO.writeAll(fd, ExportFormat.file(name: name, bytes: length)[...]),
                  FileDescriptorIO.writeAll(fd, bytes[0..<length]) else { throw .readerGone }
            sent += length
        }
        guard FileDescriptorIO.writeAll(fd, ExportFormat.end[...]) else { throw .readerGone }
        return (present.count, sent)
    }
}
