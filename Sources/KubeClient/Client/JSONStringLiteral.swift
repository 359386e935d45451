/// Writes a Swift string as a JSON string literal (RFC 8259 §7), straight into bytes.
///
/// For the small bodies and lines podcap writes often (annotation patches, status JSON, log
/// lines): building them byte by byte keeps `JSONEncoder`'s generic `Codable` machinery, and
/// the code pages it faults in, off paths that run for every capture every few seconds.
public enum JSONStringLiteral {
    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Appends `string`, quoted. Swift strings are valid UTF-8, so everything but the quote, the
    /// backslash and control characters is copied as it is.
    public static func append(_ string: String, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "\n"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case UInt8(ascii: "\r"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case UInt8(ascii: "\t"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20, 0x7F:
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                          hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
