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
        let patch: [String: [String: [String: String?]]] = ["metadata": ["annotations": annotations]]
        let body: Data
        do { body = try JSONEncoder().encode(patch) } catch { throw .decoding("\(error)") }
        return try await sendJSON(
            Pod.self, .PATCH, path: "/api/v1/namespaces/\(namespace)/pods/\(name)", body: Array(body),
            contentType: "application/merge-patch+json")
    }

    /// Reads one Pod.
    public func getPod(namespace: String, name: String) async throws(KubeAPIError) -> Pod {
        try await sendJSON(Pod.self, .GET, path: "/api/v1/namespaces/\(namespace)/pods/\(name)")
    }
}
