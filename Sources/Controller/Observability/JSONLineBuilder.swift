import KubeClient
import Logging

/// Builds one JSON object as UTF-8 bytes, field by field, without Foundation.
///
/// Log lines are written on every request and report; building bytes directly avoids a
/// `JSONEncoder`, its `Codable` boxing and a `Data` per line.
struct JSONLineBuilder {
    private(set) var bytes: [UInt8] = []
    private var needsComma = false

    init(capacity: Int = 256) {
        bytes.reserveCapacity(capacity)
        bytes.append(UInt8(ascii: "{"))
    }

    /// Adds `"key": "value"`.
    mutating func field(_ key: String, _ value: String) {
        fieldKey(key)
        JSONStringLiteral.append(value, to: &bytes)
    }

    /// Adds `"key": <value>` for a swift-log metadata value (nested objects and arrays kept).
    mutating func field(_ key: String, _ value: Logger.MetadataValue) {
        fieldKey(key)
        Self.append(value, to: &bytes)
    }

    /// Closes the object and ends the line.
    mutating func finish() -> [UInt8] {
        bytes.append(UInt8(ascii: "}"))
        bytes.append(UInt8(ascii: "\n"))
        return bytes
    }

    private mutating func fieldKey(_ key: String) {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
        needsComma = true
        JSONStringLiteral.append(key, to: &bytes)
        bytes.append(UInt8(ascii: ":"))
    }

    private static func append(_ value: Logger.MetadataValue, to bytes: inout [UInt8]) {
        switch value {
        case .string(let string):
            JSONStringLiteral.append(string, to: &bytes)
        case .stringConvertible(let convertible):
            JSONStringLiteral.append(convertible.description, to: &bytes)
        case .array(let values):
            bytes.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                append(element, to: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .dictionary(let metadata):
            bytes.append(UInt8(ascii: "{"))
            // Sorted so equal metadata always renders the same line (diffable, testable).
            for (index, key) in metadata.keys.sorted().enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                JSONStringLiteral.append(key, to: &bytes)
                bytes.append(UInt8(ascii: ":"))
                append(metadata[key]!, to: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }
}
