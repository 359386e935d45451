#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOFoundationEssentialsCompat

/// One decoded line of a Pod watch stream (`{"type":…,"object":…}`).
public enum PodWatchEvent: Sendable, Equatable {
    case added(Pod)
    case modified(Pod)
    case deleted(Pod)
    /// Progress marker: only the resourceVersion is meaningful.
    case bookmark(resourceVersion: String)
    /// The server ended the watch with a `Status` (410 Expired, …).
    case error(APIStatus)

    /// Decodes one watch line.
    ///
    /// Pods are read by `PodJSON`, which picks podcap's fields out of the bytes and skips the
    /// rest; only an `ERROR` event's `Status` goes through `decoder`.
    public static func decode(line: ByteBuffer, using decoder: JSONDecoder) throws -> PodWatchEvent {
        let decoded = try line.withUnsafeReadableBytes { bytes throws(JSONScanner.Failure) -> PodWatchEvent? in
            var s = JSONScanner(bytes)
            guard s.peek() == UInt8(ascii: "{") else { throw s.failure("a watch event must be an object") }
            var type: String?
            var object: Int?
            var event: PodWatchEvent?
            var started = false
            while let key = try s.nextMember(&started) {
                if key.matches("type", in: s) {
                    type = try s.string()
                } else if key.matches("object", in: s) {
                    // The API server sends "type" first; if not, the object is read after the loop.
                    if let type, type != "ERROR" {
                        event = try Self.object(type: type, &s)
                    } else {
                        object = s.index
                        try s.skipValue()
                    }
                } else {
                    try s.skipValue()
                }
            }
            guard s.peek() == nil else { throw s.failure("trailing bytes after the watch event") }
            guard let type else { throw s.failure("a watch event without a type") }
            if let event { return event }
            guard let object else { throw s.failure("a watch event without an object") }
            if type == "ERROR" { return nil }
            var again = JSONScanner(bytes, at: object)
            return try Self.object(type: type, &again)
        }
        if let decoded { return decoded }
        // ERROR: a Status, rare; the full decoder reads it.
        return try decoder.decode(Wire.self, from: line).event
    }

    /// The event of `type` whose object starts at the scanner.
    private static func object(type: String, _ s: inout JSONScanner) throws(JSONScanner.Failure) -> PodWatchEvent {
        switch type {
        case "ADDED": return .added(try PodJSON.pod(&s))
        case "MODIFIED": return .modified(try PodJSON.pod(&s))
        case "DELETED": return .deleted(try PodJSON.pod(&s))
        case "BOOKMARK":
            // A bookmark carries a Pod shell with only metadata.resourceVersion set; don't decode it as a Pod.
            var resourceVersion: String?
            guard s.peek() == UInt8(ascii: "{") else { throw s.failure("a bookmark's object must be an object") }
            var started = false
            while let key = try s.nextMember(&started) {
                guard key.matches("metadata", in: s) else {
                    try s.skipValue()
                    continue
                }
                guard s.peek() == UInt8(ascii: "{") else { throw s.failure("a bookmark's metadata must be an object") }
                var open = false
                while let key = try s.nextMember(&open) {
                    if key.matches("resourceVersion", in: s) { resourceVersion = try s.string() } else { try s.skipValue() }
                }
            }
            guard let resourceVersion else { throw s.failure("a bookmark without metadata.resourceVersion") }
            return .bookmark(resourceVersion: resourceVersion)
        default:
            throw s.failure("unknown watch event type \(type)")
        }
    }

    private struct Wire: Decodable {
        var event: PodWatchEvent

        private enum Keys: String, CodingKey { case type, object }
        private enum ObjectKeys: String, CodingKey { case metadata }
        private enum MetaKeys: String, CodingKey { case resourceVersion }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: Keys.self)
            let type = try c.decode(String.self, forKey: .type)
            switch type {
            case "ADDED": event = .added(try c.decode(Pod.self, forKey: .object))
            case "MODIFIED": event = .modified(try c.decode(Pod.self, forKey: .object))
            case "DELETED": event = .deleted(try c.decode(Pod.self, forKey: .object))
            case "BOOKMARK":
                // A bookmark carries a Pod shell with only metadata.resourceVersion set; don't decode it as a Pod.
                let meta = try c.nestedContainer(keyedBy: ObjectKeys.self, forKey: .object)
                    .nestedContainer(keyedBy: MetaKeys.self, forKey: .metadata)
                event = .bookmark(resourceVersion: try meta.decode(String.self, forKey: .resourceVersion))
            case "ERROR": event = .error(try c.decode(APIStatus.self, forKey: .object))
            default:
                throw DecodingError.dataCorruptedError(
                    forKey: .type, in: c, debugDescription: "unknown watch event type \(type)")
            }
        }
    }
}

/// `metadata` of a list response.
struct ListMeta: Decodable, Sendable {
    var resourceVersion: String?
    var `continue`: String?
}

/// A `PodList` page.
struct PodList: Decodable, Sendable {
    var metadata: ListMeta
    var items: [Pod]

    private enum Keys: String, CodingKey { case metadata, items }
    init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: Keys.self)
        metadata = try c.decode(ListMeta.self, forKey: .metadata)
        // An empty list serialises "items": null on some servers.
        items = try c.decodeIfPresent([Pod].self, forKey: .items) ?? []
    }
}
