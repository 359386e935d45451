/// The grammar of the names podcap can have created in the capture directory.
///
/// `capture-<pod>.pcap[digits]` or `capture-<namespace>_<pod>.pcap[digits]`, where `<pod>` is a
/// DNS subdomain (`[a-z0-9.-]`) and `<namespace>` a DNS label (`[a-z0-9-]`). Reconciliation
/// only ever deletes names that parse, so an operator's `notes.txt` (or `capture-x.pcap.bak`)
/// in the directory is never touched.
public struct CaptureFileName: Sendable, Hashable {
    /// Set for the namespaced layout.
    public var namespace: String?
    public var pod: String
    /// The rotation suffix tcpdump appended (`""` for a single file).
    public var suffix: String

    /// Parses a bare file name (no directory); `nil` when podcap cannot have created it.
    public init?(_ name: String) {
        let bytes = Array(name.utf8)
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
