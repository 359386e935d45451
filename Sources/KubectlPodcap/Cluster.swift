#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeClient

/// The API server as the user's kubeconfig reaches it, with the few calls the plugin makes.
struct Cluster: Sendable {
    let client: KubernetesClient
    let config: KubeConfig
    let options: ClusterOptions
    /// `-n`, else the context's namespace.
    let namespace: String

    /// A workstation tool never uses a service account it happens to run under (kubectl does
    /// the same only when no kubeconfig exists at all).
    static let noInCluster = "/nonexistent/podcap-plugin"

    static func connect(_ options: ClusterOptions) async throws(PluginError) -> Cluster {
        let config: KubeConfig
        do {
            config = try KubeConfig.load(kubeconfigPath: options.kubeconfig, context: options.context,
                                         inClusterRoot: Self.noInCluster)
        } catch {
            throw .config(error.description)
        }
        let client: KubernetesClient
        do {
            // `make` runs an exec credential plugin first, so a client certificate it returns
            // is in the TLS configuration.
            client = try await KubernetesClient.make(config: config, options: .init(userAgent: "kubectl-podcap"))
        } catch {
            throw .config(error.description)
        }
        return Cluster(client: client, config: config, options: options, namespace: options.namespace ?? config.namespace)
    }

    func shutdown() async {
        try? await client.shutdown()
    }

    /// The named Pods, or those the selector matches (`-A`: in every namespace).
    func pods(_ targets: TargetOptions) async throws(PluginError) -> [PodItem] {
        let allNamespaces = targets.allNamespaces
        if let selector = targets.selector {
            let pods = try await list(namespace: allNamespaces ? nil : namespace, labelSelector: selector)
            if pods.isEmpty { throw .noPodsMatch(selector: selector, namespace: allNamespaces ? "any namespace" : namespace) }
            return pods
        }
        var out: [PodItem] = []
        for name in targets.pods { out.append(try await pod(namespace: namespace, name: name)) }
        return out
    }

    func pod(namespace: String, name: String) async throws(PluginError) -> PodItem {
        do {
            return try await client.sendJSON(PodItem.self, .GET, path: "/api/v1/namespaces/\(namespace)/pods/\(name)")
        } catch {
            if case .http(let code, _, _) = error, code == 404 { throw .podNotFound(namespace: namespace, name: name) }
            throw .api(explain(error))
        }
    }

    func list(namespace: String?, labelSelector: String? = nil, fieldSelector: String? = nil) async throws(PluginError) -> [PodItem] {
        var query: [(String, String)] = []
        if let labelSelector { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
        let path = namespace.map { "/api/v1/namespaces/\($0)/pods" } ?? "/api/v1/pods"
        do {
            return try await client.sendJSON(PodItemList.self, .GET, path: path, query: query).items
                .sorted { ($0.metadata.namespace, $0.metadata.name) < ($1.metadata.namespace, $1.metadata.name) }
        } catch {
            throw .api(explain(error))
        }
    }

    /// Sets or removes annotations in one merge patch.
    func annotate(_ pod: PodItem, _ annotations: [String: String?]) async throws(PluginError) {
        do {
            try await client.patchPodAnnotations(namespace: pod.metadata.namespace, name: pod.metadata.name, annotations)
        } catch {
            throw .api("\(pod.displayName): \(explain(error))")
        }
    }

    /// The Running podcap agent on `node`.
    func agent(on node: String) async throws(PluginError) -> PodItem {
        let agents = try await list(namespace: options.agentNamespace, labelSelector: options.agentSelector,
                                    fieldSelector: "spec.nodeName=\(node)")
        guard let agent = agents.first(where: { $0.status?.phase == "Running" }) else {
            throw .noAgent(node: node, namespace: options.agentNamespace, selector: options.agentSelector)
        }
        return agent
    }

    /// Asks the API server whether this user may create `pods/exec` in `namespace`, so a missing
    /// permission is one clear line before kubectl runs, not kubectl's error after it.
    func checkExec(namespace: String) async throws(PluginError) {
        let review = """
            {"apiVersion":"authorization.k8s.io/v1","kind":"SelfSubjectAccessReview","spec":{"resourceAttributes":\
            {"namespace":"\(namespace)","verb":"create","resource":"pods","subresource":"exec"}}}
            """
        struct Review: Decodable {
            struct Status: Decodable {
                var allowed: Bool
                var reason: String?
            }
            var status: Status?
        }
        let answer: Review
        do {
            answer = try await client.sendJSON(Review.self, .POST, path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
                                               body: Array(review.utf8))
        } catch {
            // A server that refuses the review itself still decides at exec time.
            return
        }
        if answer.status?.allowed != true {
            throw .execForbidden(user: nil, namespace: namespace, detail: answer.status?.reason ?? "")
        }
    }

    /// The API error as one line a user can act on.
    func explain(_ error: KubeAPIError) -> String {
        let text = error.description
        let where_ = "\(config.server) (context \(config.contextName ?? "?"))"
        if text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "\(where_): the server's TLS certificate is not signed by the kubeconfig's certificate-authority"
        }
        switch error {
        case .http(401, _, _):
            return "\(where_): 401 Unauthorized: the kubeconfig's credentials were rejected (expired token? run the login your cluster needs)"
        case .http(403, let status, _):
            return "forbidden: \(status?.message ?? "the API server refused the request")"
        case .unreachable(let reason):
            return "cannot reach \(where_): \(reason)"
        default:
            return "\(where_): \(text)"
        }
    }
}
