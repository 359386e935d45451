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
    public static func decode(line: ByteBuffer, using decoder: JSONDecoder) throws -> PodWatchEvent {
        try decoder.decode(Wire.self, from: line).event
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
