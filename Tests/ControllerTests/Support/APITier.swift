import Foundation
import KubeClient
import KubeSim
import PodSandbox
import TestSupport
import Testing

/// Which API server a test talks to. Both speak the same HTTP API; the real one wins disputes.
enum APITier: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case kubesim
    case envtest

    var testDescription: String { rawValue }

    /// The tiers that can run here: envtest only when `PODCAP_ENVTEST` names its start script.
    static var available: [APITier] {
        if Envtest.isEnabled { return [.kubesim, .envtest] }
        print("note: PODCAP_ENVTEST is not set; end-to-end tests run against KubeSim only")
        return [.kubesim]
    }
}

/// An API server for one test, with a unique namespace.
struct TestCluster: Sendable {
    let tier: APITier
    let config: KubeConfig
    let client: KubernetesClient
    let namespace: String
    let sim: KubeSim?

    var driver: ClusterDriver { ClusterDriver(client: client) }

    /// Runs `body` against `tier`; the KubeSim instance or client is shut down afterwards.
    static func with<T: Sendable>(_ tier: APITier, _ body: (TestCluster) async throws -> T) async throws -> T {
        let sim: KubeSim?
        let config: KubeConfig
        switch tier {
        case .kubesim:
            let started = try await KubeSim.start()
            sim = started
            config = KubeConfig(server: started.url, token: .literal(started.token), source: "kubesim")
        case .envtest:
            sim = nil
            config = try await Envtest.shared().kubeConfig()
        }
        let client = try KubernetesClient(config: config)
        let cluster = TestCluster(tier: tier, config: config, client: client, namespace: TestNames.unique("e2e"), sim: sim)
        do {
            if tier == .envtest { try await cluster.driver.createNamespace(cluster.namespace) }
            let result = try await body(cluster)
            try? await client.shutdown()
            await sim?.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            await sim?.shutdown()
            throw error
        }
    }

    /// Writes a Running status with `containerID` through the status subresource, as a kubelet would.
    func setRunning(_ name: String, containerID: String, podIP: String) async throws {
        let status: JSONValue = ["status": [
            "phase": "Running", "podIP": .string(podIP), "podIPs": [["ip": .string(podIP)]],
            "startTime": "2026-01-01T00:00:00Z",
            "containerStatuses": [[
                "name": "app", "ready": true, "started": true, "restartCount": 0,
                "image": "registry.k8s.io/pause:3.9", "imageID": "registry.k8s.io/pause@sha256:0",
                "containerID": .string(containerID),
                "state": ["running": ["startedAt": "2026-01-01T00:00:00Z"]],
            ]],
        ]]
        _ = try await client.send(.PATCH, path: "/api/v1/namespaces/\(namespace)/pods/\(name)/status",
                                  body: status.serialized(), contentType: "application/merge-patch+json")
    }

    /// One Running Pod per name on `node`, each backed by the sandbox Pod at the same position
    /// (its container ID and IP), created with `annotations`.
    func createRunningPods(_ names: [String], on node: String, backedBy pods: [SandboxPod],
                           annotations: [String: String] = [:]) async throws {
        for (pod, name) in zip(pods, names) {
            try await driver.createPod(namespace: namespace, name: name, node: node, annotations: annotations)
            try await setRunning(name, containerID: pod.containerID, podIP: pod.ipv4)
        }
    }

    func annotate(_ name: String, _ value: String?) async throws {
        try await client.patchPodAnnotation(namespace: namespace, name: name, key: "tcpdump.antrea.io", value: value)
    }

    /// The Pod's annotations as the server has them now.
    /// Several annotations in one merge patch (`nil` removes one).
    func annotate(_ name: String, _ annotations: [String: String?]) async throws {
        try await client.patchPodAnnotations(namespace: namespace, name: name, annotations)
    }

    func annotations(_ name: String) async throws -> [String: String] {
        try await client.getPod(namespace: namespace, name: name).metadata.annotations
    }

    /// Waits until `condition` holds on the server. The API has no push for "an Event was
    /// written", so this re-reads at a short interval, bounded by `timeout`.
    func eventually(timeout: Duration = .seconds(10), _ what: String, _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while try await !condition() {
            guard ContinuousClock.now < deadline else { throw ClusterWaitError(what: what) }
            try await Task.sleep(for: .milliseconds(25))
        }
    }
}

struct ClusterWaitError: Error, CustomStringConvertible {
    var what: String
    var description: String { "timed out waiting for \(what)" }
}

/// A client for `config`, shut down when `body` returns or throws.
func withClient<T: Sendable>(_ config: KubeConfig, _ body: (KubernetesClient) async throws -> T) async throws -> T {
    let client = try KubernetesClient(config: config)
    do {
        let result = try await body(client)
        try? await client.shutdown()
        return result
    } catch {
        try? await client.shutdown()
        throw error
    }
}
