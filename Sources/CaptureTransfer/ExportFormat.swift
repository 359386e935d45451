/// The byte stream `podcap export` writes to its standard output and `kubectl podcap fetch`
/// reads through `pods/exec`: a text line per file, then exactly that file's bytes.
///
///     PODCAP-EXPORT 1 <files> <approximate total bytes>\n
///     FILE <bytes> <name>\n  <bytes>        (once per file)
///     END\n
///
/// Lengths come first so that no byte of a pcap file ever needs escaping, and the reader knows
/// a cut stream (the exec connection dropped) from a complete one: no `END`, no success.
public enum ExportFormat {
    public static let version = 1

    /// The first line.
    public static func begin(files: Int, approximateBytes: Int64) -> [UInt8] {
        Array("PODCAP-EXPORT \(version) \(files) \(approximateBytes)\n".utf8)
    }

    /// The line before a file's bytes. `name` is a bare file name.
    public static func file(name: String, bytes: Int) -> [UInt8] {
        Array("FILE \(bytes) \(name)\n".utf8)
    }

    /// The last line.
    public static let end = Array("END\n".utf8)

    /// Whether `name` may be written by a reader into its output directory: a bare capture file
    /// name, nothing that could climb out of the directory or hide.
    public static func isSafeFileName(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard name.hasPrefix("capture-"), bytes.count <= 255 else { return false }
        return bytes.allSatisfy { byte in
            (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
                || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_")
        } && !name.contains("..")
    }
}

/// Parses the export stream as it arrives, in chunks of any size.
public struct ExportStreamParser: Sendable {
    /// What the bytes fed so far contain.
    public enum Event: Sendable, Equatable {
        case begin(files: Int, approximateBytes: Int64)
        case fileStart(name: String, bytes: Int)
        /// Bytes of the current file, in order.
        case data([UInt8])
        case fileEnd
        case end
    }

    /// The stream is not an export stream.
    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public var description: String
    }

    private enum State: Sendable {
        case header
        case fileLine
        case fileData(remaining: Int)
        case finished
    }

    private var state: State = .header
    private var line: [UInt8] = []
    private var filesLeft = 0

    public init() {}

    /// The stream ended with `END`.
    public var isFinished: Bool {
        if case .finished = state { return true }
        return false
    }

    /// Feeds the next chunk; returns the events it completes.
    public mutating func feed(_ chunk: ArraySlice<UInt8>) throws(Malformed) -> [Event] {
        var events: [Event] = []
        var index = chunk.startIndex
        while index < chunk.endIndex {
            switch state {
            case .fileData(let remaining):
                let take = min(remaining, chunk.endIndex - index)
                events.append(.data(Array(chunk[index..<(index + take)])))
                index += take
                if remaining - take == 0 {
                    events.append(.fileEnd)
                    state = .fileLine
                } else {
                    state = .fileData(remaining: remaining - take)
                }
            case .finished:
                throw Malformed(description: "bytes after END")
            case .header, .fileLine:
                let byte = chunk[index]
                index += 1
                if byte != UInt8(ascii: "\n") {
                    guard line.count < 512 else { throw Malformed(description: "line too long") }
                    line.append(byte)
                    continue
                }
                let text = String(decoding: line, as: UTF8.self)
                line.removeAll(keepingCapacity: true)
                events += try parseLine(text)
            }
        }
        return events
    }

    private mutating func parseLine(_ text: String) throws(Malformed) -> [Event] {
        let fields = text.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        switch state {
        case .header:
            let parts = text.split(separator: " ")
            guard parts.count == 4, parts[0] == "PODCAP-EXPORT" else {
                throw Malformed(description: "not a podcap export stream (first line \"\(text.prefix(80))\")")
            }
            guard Int(parts[1]) == ExportFormat.version else {
                throw Malformed(description: "export format \(parts[1]) is not version \(ExportFormat.version): use matching plugin and agent versions")
            }
            guard let files = Int(parts[2]), files >= 0, let bytes = Int64(parts[3]), bytes >= 0 else {
                throw Malformed(description: "bad export header \"\(text)\"")
            }
            filesLeft = files
            state = .fileLine
            return [.begin(files: files, approximateBytes: bytes)]
        case .fileLine:
            if text == "END" {
                guard filesLeft == 0 else { throw Malformed(description: "END with \(filesLeft) file(s) missing") }
                state = .finished
                return [.end]
            }
            guard fields.count == 3, fields[0] == "FILE", let size = Int(fields[1]), size >= 0 else {
                throw Malformed(description: "bad file line \"\(text.prefix(80))\"")
            }
            let name = String(fields[2])
            guard ExportFormat.isSafeFileName(name) else {
                throw Malformed(description: "refusing file name \"\(name.prefix(80))\": not a capture file name")
            }
            guard filesLeft > 0 else { throw Malformed(description: "more files than announced") }
            filesLeft -= 1
            if size == 0 {
                state = .fileLine
                return [.fileStart(name: name, bytes: 0), .fileEnd]
            }
            state = .fileData(remaining: size)
            return [.fileStart(name: name, bytes: size)]
        case .fileData, .finished:
            return []
        }
    }
}
