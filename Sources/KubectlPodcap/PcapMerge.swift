import CaptureTransfer
import Glibc
import Pcap

/// Merges fetched captures into one pcapng: an interface per Pod named `namespace/pod`, every
/// packet in capture-time order (ties keep file order), then read back by libpcap.
enum PcapMerge {
    struct Result {
        var packets: Int
        var interfaces: [String]
    }

    private struct Source {
        var interface: UInt32
        var bytes: [UInt8]
        var records: [PcapRecord]
    }

    static func write(_ captures: [FetchedCapture], to path: String) throws -> Result {
        var writer = PcapngWriter()
        var sources: [Source] = []
        var names: [String] = []
        for capture in captures {
            var header: PcapFileHeader?
            var files: [(bytes: [UInt8], records: [PcapRecord])] = []
            for file in capture.files where file.bytes > 0 {
                let bytes = try read(file.path)
                guard let fileHeader = PcapFileHeader(bytes) else {
                    throw PluginError.corrupt(pod: capture.pod.displayName, detail: "\(file.path) is not a pcap file")
                }
                if header == nil { header = fileHeader }
                files.append((bytes, PcapRecordScanner(header: fileHeader).scan(bytes).records))
            }
            let interface = UInt32(names.count)
            let name = capture.pod.displayName
            names.append(name)
            writer.addInterface(.init(name: name, description: "pod \(name) on node \(capture.pod.nodeName ?? "?")",
                                      linkType: UInt16(truncatingIfNeeded: header?.linkType ?? 1),
                                      snaplen: header?.snaplen ?? 262_144))
            for file in files { sources.append(Source(interface: interface, bytes: file.bytes, records: file.records)) }
        }
        // One sort over (time, source, record) keeps the merge exact and the order stable.
        var order: [(time: UInt64, source: Int, record: Int)] = []
        for (s, source) in sources.enumerated() {
            for (r, record) in source.records.enumerated() { order.append((record.timestampNanoseconds, s, r)) }
        }
        order.sort { ($0.time, $0.source, $0.record) < ($1.time, $1.source, $1.record) }
        let partial = path + ".part"
        let fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw PluginError.io("\(partial): \(String(cString: strerror(errno)))") }
        var failed = false
        func flush() {
            if !failed && !FileDescriptorIO.writeAll(fd, writer.drain()[...]) { failed = true }
        }
        for entry in order {
            let source = sources[entry.source]
            let record = source.records[entry.record]
            writer.addPacket(interface: source.interface, timestampNanoseconds: record.timestampNanoseconds,
                             originalLength: UInt32(record.originalLength),
                             data: source.bytes[record.dataOffset..<record.end])
            if writer.bytes.count >= 1 << 20 { flush() }
        }
        flush()
        close(fd)
        guard !failed, rename(partial, path) == 0 else {
            unlink(partial)
            throw PluginError.io("\(path): \(String(cString: strerror(errno)))")
        }
        // libpcap reads pcapng too: the merge is checked by the same reader as the files.
        do {
            let summary = try PcapReader.summarize(path: path)
            guard summary.packets == order.count, !summary.truncated else {
                throw PluginError.corrupt(pod: path, detail: "libpcap reads \(summary.packets) of \(order.count) merged packets")
            }
        } catch let error as PcapError {
            throw PluginError.corrupt(pod: path, detail: "libpcap cannot read the merge: \(error)")
        }
        return Result(packets: order.count, interfaces: names)
    }

    static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw PluginError.io("\(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        guard let bytes = FileDescriptorIO.readToEnd(fd, from: 0, limit: Int.max) else {
            throw PluginError.io("\(path): \(String(cString: strerror(errno)))")
        }
        return bytes
    }
}
