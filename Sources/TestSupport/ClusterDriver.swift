import Foundation
import KubeClient
import KubeSim

/// Drives cluster state over HTTP, identically on KubeSim and on a real kube-apiserver.
public struct ClusterDriver: Sendable {
    public let client: KubernetesClient

    public init(client: KubernetesClient) { self.client = client }

    /// Creates a namespace (real servers need it before Pods; KubeSim accepts any namespace).
    public func createNamespace(_ name: String) async throws {
        let body: JSONValue = ["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(name)]]
        do {
            _ = try await client.send(.POST, path: "/api/v1/namespaces", body: body.serialized())
        } catch {
            // 404: KubeSim has no namespace resource; 409: already exists.
            guard error.httpCode == 404 || error.httpCode == 409 else { throw error }
        }
    }

    /// Creates a Pod scheduled to `node`.
    @discardableResult
    public func createPod(namespace: String, name: String, node: String?, annotations: [String: String] = [:],
                          labels: [String: String] = ["app": "demo"]) async throws -> Pod {
        let manifest = SimPods.manifest(namespace: namespace, name: name, nodeName: node, annotations: annotations,
                                        labels: labels)
        return try await client.sendJSON(Pod.self, .POST, path: "/api/v1/namespaces/\(namespace)/pods",
                                         body: manifest.serialized())
    }

    /// Deletes a Pod immediately (`gracePeriodSeconds=0`: no kubelet will confirm it).
    public func deletePod(namespace: String, name: String) async throws {
        _ = try await client.send(.DELETE, path: "/api/v1/namespaces/\(namespace)/pods/\(name)",
                                  query: [("gracePeriodSeconds", "0")])
    }

    /// Merge-patches a Pod's labels (a MODIFIED event with no annotation change).
    @discardableResult
    public func label(namespace: String, name: String, key: String, value: String) async throws -> Pod {
        let patch: JSONValue = ["metadata": ["labels": .object([key: .string(value)])]]
        return try await client.sendJSON(Pod.self, .PATCH, path: "/api/v1/namespaces/\(namespace)/pods/\(name)",
                                         body: patch.serialized(), contentType: "application/merge-patch+json")
    }

    /// Writes a Running status through the status subresource, as a kubelet would.
    @discardableResult
    public func setRunning(namespace: String, name: String) async throws -> Pod {
        let patch: JSONValue = ["status": SimPods.runningStatus()]
        return try await client.sendJSON(Pod.self, .PATCH, path: "/api/v1/namespaces/\(namespace)/pods/\(name)/status",
                                         body: patch.serialized(), contentType: "application/merge-patch+json")
    }

    /// The latest resourceVersion, from a one-item list.
    public func currentResourceVersion(namespace: String) async throws -> String {
        let r = try await client.send(.GET, path: "/api/v1/namespaces/\(namespace)/pods", query: [("limit", "1")])
        let list = try JSONValue.parse(r.bytes)
        return list["metadata"]?["resourceVersion"]?.stringValue ?? ""
    }

    /// One Event read back through core/v1 (the view every server offers).
    public struct ReadEvent: Sendable {
        public var name: String
        public var reason: String
        public var message: String
        public var count: Int
        public var objectName: String
    }

    /// Events in `namespace`, via core/v1.
    public func events(namespace: String) async throws -> [ReadEvent] {
        let r = try await client.send(.GET, path: "/api/v1/namespaces/\(namespace)/events")
        let list = try JSONValue.parse(r.bytes)
        guard case .array(let items)? = list["items"] else { return [] }
        return items.map { e in
            ReadEvent(name: e["metadata"]?["name"]?.stringValue ?? "", reason: e["reason"]?.stringValue ?? "",
                      message: e["message"]?.stringValue ?? "",
                      count: Int(e["series"]?["count"]?.intValue ?? e["count"]?.intValue ?? 1),
                      objectName: e["involvedObject"]?["name"]?.stringValue ?? "")
        }
    }
}

/// Unique names, because Swift Testing runs tests in parallel against shared servers.
public enum TestNames {
    public static func unique(_ prefix: String) -> String {
        prefix + "-" + String(UUID().uuidString.lowercased().prefix(8))
    }
}
