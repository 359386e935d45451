/// The grammar of the names podcap can have created in the capture directory.
///
/// `capture-<pod>.pcap[digits]` or `capture-<namespace>_<pod>.pcap[digits]`, where `<pod>` is a
/// DNS subdomain (`[a-z0-9.-]`) and `<namespace>` a DNS label (`[a-z0-9-]`), optionally followed
/// by `.<segment>` (a file kept from an earlier run of the capture, `CapturePlan.segmentName`).
/// Reconciliation only ever deletes names that parse, so an operator's `notes.txt` (or
/// `capture-x.pcap.bak`, `capture-x.pcap0.tmp`) in the directory is never touched.
public struct CaptureFileName: Sendable, Hashable {
    /// Set for the namespaced layout.
    public var namespace: String?
    public var pod: String
    /// The rotation suffix tcpdump appended (`""` for a single file).
    public var suffix: String
    /// The run number of a file kept from an earlier run; `nil` for the running ring's names.
    public var segment: Int?

    /// The `-w` base this name derives from: `capture-<pod>.pcap` (or the namespaced form).
    public var base: String {
        "capture-" + (namespace.map { $0 + "_" } ?? "") + pod + ".pcap"
    }

    /// The ring file name without the segment: what tcpdump called the file when it wrote it.
    public var ringName: String { base + suffix }

    /// The file name this was parsed from.
    public var fileName: String { ringName + (segment.map { "." + String($0) } ?? "") }

    /// Parses a bare file name (no directory); `nil` when podcap cannot have created it.
    public init?(_ name: String) {
        var bytes = Array(name.utf8)
        // `.<segment>`: a positive decimal without leading zeros. A ring name never ends this
        // way (its last dot starts `.pcap`), so the split is unambiguous.
        segment = nil
        if let dot = bytes.lastIndex(of: UInt8(ascii: ".")), dot + 1 < bytes.count,
           bytes[(dot + 1)...].allSatisfy(Self.isDigit) {
            let digits = bytes[(dot + 1)...]
            guard digits.first != UInt8(ascii: "0"), digits.count <= 9,
                  let number = Int(String(decoding: digits, as: UTF8.self)) else { return nil }
            segment = number
            bytes.removeSubrange(dot...)
        }
        let prefix = Array("capture-".utf8), ext = Array(".pcap".utf8)
        guard bytes.count > prefix.count + ext.count, bytes.starts(with: prefix) else { return nil }
        // The last `.pcap` ends the Pod part: a Pod may itself be called `a.pcap1`.
        var extStart: Int?
        var i = bytes.count - ext.count
        while i >= prefix.count {
            if bytes[i..<(i + ext.count)].elementsEqual(ext) { extStart = i; break }
            i -= 1
        }
        guard let extStart, extStart > prefix.count else { return nil }
        let suffix = bytes[(extStart + ext.count)...]
        guard suffix.allSatisfy(Self.isDigit) else { return nil }
        let middle = bytes[prefix.count..<extStart]
        let parts = middle.split(separator: UInt8(ascii: "_"), omittingEmptySubsequences: false)
        switch parts.count {
        case 1:
            guard Self.isSubdomain(parts[0]) else { return nil }
            namespace = nil
            pod = String(decoding: parts[0], as: UTF8.self)
        case 2:
            guard Self.isLabel(parts[0]), Self.isSubdomain(parts[1]) else { return nil }
            namespace = String(decoding: parts[0], as: UTF8.self)
            pod = String(decoding: parts[1], as: UTF8.self)
        default:
            return nil
        }
        self.suffix = String(decoding: suffix, as: UTF8.self)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    private static func isLower(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z") }

    private static func isLabel(_ bytes: ArraySlice<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.count <= 63 && bytes.allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "-") }
    }

    private static func isSubdomain(_ bytes: ArraySlice<UInt8>) -> Bool {
        !bytes.isEmpty && bytes.count <= 253
            && bytes.allSatisfy { isLower($0) || isDigit($0) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: ".") }
    }
}
