#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension KubernetesClient {
    /// Sets (or, with `nil`, removes) one annotation with a JSON merge patch, touching nothing else.
    ///
    /// Sends `{"metadata":{"annotations":{key: value|null}}}` as `application/merge-patch+json`
    /// and returns the updated Pod.
    @discardableResult
    public func patchPodAnnotation(
        namespace: String, name: String, key: String, value: String?
    ) async throws(KubeAPIError) -> Pod {
        try await patchPodAnnotations(namespace: namespace, name: name, [key: value])
    }

    /// Sets and removes (`nil`) several annotations in one JSON merge patch, so a watcher sees
    /// them change together (a capture's count and options in one event).
    @discardableResult
    public func patchPodAnnotations(
        namespace: String, name: String, _ annotations: [String: String?]
    ) async throws(KubeAPIError) -> Pod {
        try await send(.PATCH, path: "/api/v1/namespaces/\(namespace)/pods/\(name)", body: Self.annotationPatch(annotations),
                       contentType: "application/merge-patch+json").decodePod()
    }

    /// `{"metadata":{"annotations":{…}}}`, keys sorted so one request always has one body.
    static func annotationPatch(_ annotations: [String: String?]) -> [UInt8] {
        var bytes = Array(#"{"metadata":{"annotations":{"#.utf8)
        for (index, (key, value)) in annotations.sorted(by: { $0.key < $1.key }).enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONStringLiteral.append(key, to: &bytes)
            bytes.append(UInt8(ascii: ":"))
            if let value {
                JSONStringLiteral.append(value, to: &bytes)
            } else {
                bytes.append(contentsOf: "null".utf8)
            }
        }
        bytes.append(contentsOf: "}}}".utf8)
        return bytes
    }

    /// Reads one Pod.
    public func getPod(namespace: String, name: String) async throws(KubeAPIError) -> Pod {
        try await send(.GET, path: "/api/v1/namespaces/\(namespace)/pods/\(name)").decodePod()
    }
}
