import Actors
import Controller
import Foundation
import KubeClient
import KubeSim
import TestSupport
import Testing
import YAML

/// The ClusterRole in deploy/daemonset.yaml is enough and every grant in it is needed, proven
/// against a real kube-apiserver with a real ServiceAccount token (TokenRequest).
@Suite("RBAC of deploy/daemonset.yaml", .enabled(if: Envtest.isEnabled, "needs PODCAP_ENVTEST (a real kube-apiserver)"))
struct RBACTests {
    struct Rule: Sendable, Hashable {
        var groups: [String]
        var resources: [String]
        var verbs: [String]
    }

    /// The rules of the ClusterRole shipped in deploy/daemonset.yaml.
    static func shippedRules() throws -> [Rule] {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("deploy/daemonset.yaml").path
        let text = try String(contentsOfFile: path, encoding: .utf8)
        for object in try YAMLParser.parseAll(text) {
            guard object["kind"]?.string == "ClusterRole", let rules = object["rules"]?.array else { continue }
            let strings = { (node: YAMLNode?) in (node?.array ?? []).compactMap(\.string) }
            return rules.map { rule in
                Rule(groups: strings(rule["apiGroups"]), resources: strings(rule["resources"]), verbs: strings(rule["verbs"]))
            }
        }
        throw ClusterWaitError(what: "a ClusterRole in deploy/daemonset.yaml")
    }

    /// Creates a ServiceAccount bound to a ClusterRole with `rules`; returns a config with its token.
    static func serviceAccount(_ admin: KubernetesClient, namespace: String, rules: [Rule], server: EnvtestServer) async throws -> KubeConfig {
        let name = TestNames.unique("podcap")
        let role: JSONValue = [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": ["name": .string(name)],
            "rules": .array(rules.map { rule in
                ["apiGroups": .array(rule.groups.map { .string($0) }), "resources": .array(rule.resources.map { .string($0) }),
                 "verbs": .array(rule.verbs.map { .string($0) })]
            }),
        ]
        _ = try await admin.send(.POST, path: "/apis/rbac.authorization.k8s.io/v1/clusterroles", body: role.serialized())
        let account: JSONValue = ["apiVersion": "v1", "kind": "ServiceAccount", "metadata": ["name": .string(name), "namespace": .string(namespace)]]
        _ = try await admin.send(.POST, path: "/api/v1/namespaces/\(namespace)/serviceaccounts", body: account.serialized())
        let binding: JSONValue = [
            "apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": ["name": .string(name)],
            "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": .string(name)],
            "subjects": [["kind": "ServiceAccount", "name": .string(name), "namespace": .string(namespace)]],
        ]
        _ = try await admin.send(.POST, path: "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", body: binding.serialized())
        let request: JSONValue = ["apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": ["expirationSeconds": 3600]]
        let response = try await admin.send(.POST, path: "/api/v1/namespaces/\(namespace)/serviceaccounts/\(name)/token",
                                            body: request.serialized())
        let token = try #require(try JSONValue.parse(response.bytes)["status"]?["token"]?.stringValue)
        var config = try server.kubeConfig()
        config.token = .literal(token)
        config.clientCertificate = nil
        config.source = "ServiceAccount \(namespace)/\(name)"
        return config
    }

    @Test("the shipped role runs a full capture cycle with Events and the status annotation")
    func shippedRoleIsEnough() async throws {
        let server = try await Envtest.shared()
        try await TestCluster.with(.envtest) { cluster in
            let config = try await Self.serviceAccount(cluster.client, namespace: cluster.namespace, rules: try Self.shippedRules(), server: server)
            let node = TestNames.unique("node")
            try await cluster.driver.createPod(namespace: cluster.namespace, name: "web", node: node)
            try await cluster.setRunning("web", containerID: "containerd://web", podIP: "10.244.0.9")
            let runtime = InMemoryRuntime()
            let waiter = CaptureReportWaiter()
            var configuration = ControllerConfiguration(nodeName: node, kube: config)
            configuration.listen = "127.0.0.1:0"
            try await withController(configuration, runtime: runtime, waiter: waiter) {
                var mark = waiter.mark
                try await cluster.annotate("web", "2")
                _ = try await waiter.waitForStart(of: "web", since: mark)
                try await cluster.eventually("Event and status written with the ServiceAccount's token") {
                    let events = try await cluster.driver.events(namespace: cluster.namespace)
                    let status = try await cluster.annotations("web")[CaptureNotice.statusAnnotation]
                    return events.contains { $0.reason == "CaptureStarted" } && status?.contains(#""state":"capturing""#) == true
                }
                mark = waiter.mark
                try await cluster.annotate("web", nil)
                _ = try await waiter.waitForStop(of: "web", since: mark)
                try await cluster.eventually("CaptureStopped Event and status removed") {
                    let events = try await cluster.driver.events(namespace: cluster.namespace)
                    let status = try await cluster.annotations("web")[CaptureNotice.statusAnnotation]
                    return events.contains { $0.reason == "CaptureStopped" } && status == nil
                }
            }
        }
    }

    /// For each granted (group, resource, verb), a role without it makes the step that needs it fail with 403.
    @Test("every granted verb is needed")
    func everyVerbIsNeeded() async throws {
        let server = try await Envtest.shared()
        let shipped = try Self.shippedRules()
        try await TestCluster.with(.envtest) { cluster in
            let node = TestNames.unique("node")
            try await cluster.driver.createPod(namespace: cluster.namespace, name: "web", node: node)
            var checked: [String] = []
            for (index, rule) in shipped.enumerated() {
                for group in rule.groups {
                    for resource in rule.resources {
                        for verb in rule.verbs {
                            var reduced = shipped
                            reduced[index].groups.removeAll { $0 == group }
                            reduced.append(Rule(groups: [group], resources: [resource], verbs: rule.verbs.filter { $0 != verb }))
                            reduced = reduced.filter { !$0.groups.isEmpty && !$0.verbs.isEmpty }
                            let config = try await Self.serviceAccount(cluster.client, namespace: cluster.namespace, rules: reduced, server: server)
                            let code = try await Self.step(group: group, resource: resource, verb: verb, config: config,
                                                           namespace: cluster.namespace, node: node)
                            #expect(code == 403, "without \(group.isEmpty ? "core" : group)/\(resource) \(verb) the step must be forbidden, got \(code)")
                            checked.append("\(group.isEmpty ? "core" : group)/\(resource):\(verb)")
                        }
                    }
                }
            }
            print("RBAC: each of \(checked.count) grants is needed: \(checked.joined(separator: ", "))")
            #expect(checked.count >= 7)
        }
    }

    /// The exact request podcap makes that needs the grant; returns its HTTP status.
    static func step(group: String, resource: String, verb: String, config: KubeConfig, namespace: String, node: String) async throws -> Int {
        let admin = try await Envtest.shared().kubeConfig()
        return try await withClient(config) { client in
            try await withClient(admin) { adminClient in
                await step(group: group, resource: resource, verb: verb, client: client, admin: adminClient, namespace: namespace, node: node)
            }
        }
    }

    static func step(group: String, resource: String, verb: String, client: KubernetesClient, admin: KubernetesClient,
                     namespace: String, node: String) async -> Int {
        let eventsPath = group.isEmpty ? "/api/v1/namespaces/\(namespace)/events" : "/apis/events.k8s.io/v1/namespaces/\(namespace)/events"
        do {
            switch (resource, verb) {
            case ("pods", "list"):
                _ = try await client.send(.GET, path: "/api/v1/pods", query: [("fieldSelector", "spec.nodeName=\(node)"), ("limit", "500")])
            case ("pods", "watch"):
                _ = try await client.send(.GET, path: "/api/v1/pods",
                                          query: [("fieldSelector", "spec.nodeName=\(node)"), ("watch", "true"), ("timeoutSeconds", "1")])
            case ("pods", "patch"):
                try await client.patchPodAnnotation(namespace: namespace, name: "web", key: CaptureNotice.statusAnnotation, value: "{}")
            case ("events", "create"):
                _ = try await client.send(.POST, path: eventsPath, body: eventBody(group: group, namespace: namespace).serialized())
            case ("events", "patch"):
                // Series updates patch an Event podcap created before; create one as admin-equivalent first.
                let name = TestNames.unique("ev")
                _ = try await admin.send(.POST, path: eventsPath, body: eventBody(group: group, namespace: namespace, name: name).serialized())
                let patch: JSONValue = group.isEmpty ? ["count": 2] : ["series": ["count": 2, "lastObservedTime": "2026-01-01T00:00:00.000000Z"]]
                _ = try await client.send(.PATCH, path: "\(eventsPath)/\(name)", body: patch.serialized(),
                                          contentType: "application/merge-patch+json")
            default:
                return -1
            }
            return 200
        } catch {
            return error.httpCode ?? -2
        }
    }

    static func eventBody(group: String, namespace: String, name: String = TestNames.unique("ev")) -> JSONValue {
        if group.isEmpty {
            return ["apiVersion": "v1", "kind": "Event", "metadata": ["name": .string(name), "namespace": .string(namespace)],
                    "involvedObject": ["kind": "Pod", "namespace": .string(namespace), "name": "web"],
                    "reason": "CaptureStarted", "message": "rbac test", "type": "Normal", "count": 1]
        }
        return ["apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": ["name": .string(name), "namespace": .string(namespace)],
                "regarding": ["kind": "Pod", "namespace": .string(namespace), "name": "web"], "reason": "CaptureStarted",
                "note": "rbac test", "type": "Normal", "action": "Capture", "reportingController": "tcpdump.antrea.io/podcap",
                "reportingInstance": "podcap-test", "eventTime": "2026-01-01T00:00:00.000000Z"]
    }
}
