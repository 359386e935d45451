#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The fields of a Pod `kubectl podcap` shows and acts on.
struct PodItem: Decodable, Sendable {
    struct Metadata: Decodable, Sendable {
        var name: String
        var namespace: String
        var uid: String?
        var annotations: [String: String]?
        var creationTimestamp: String?
    }

    struct Spec: Decodable, Sendable {
        var nodeName: String?
    }

    struct Status: Decodable, Sendable {
        var phase: String?
        var podIP: String?
    }

    var metadata: Metadata
    var spec: Spec?
    var status: Status?

    var displayName: String { "\(metadata.namespace)/\(metadata.name)" }
    var nodeName: String? { spec?.nodeName.flatMap { $0.isEmpty ? nil : $0 } }
    var annotations: [String: String] { metadata.annotations ?? [:] }

    /// The capture status podcap writes on the Pod, if any.
    var captureStatus: CaptureStatus? {
        annotations[CaptureStatus.annotation].flatMap { try? JSONDecoder().decode(CaptureStatus.self, from: Data($0.utf8)) }
    }
}

/// A `PodList`'s items.
struct PodItemList: Decodable, Sendable {
    var items: [PodItem]
}
