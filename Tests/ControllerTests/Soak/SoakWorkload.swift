import Glibc
import PodSandbox
import TestSupport

/// The soak's operations, drawn at random: what users and the cluster do to annotated Pods.
enum SoakOperation: String, CaseIterable, Sendable {
    case annotate, changeFiles = "change-N", removeAnnotation = "remove-annotation", deletePod = "delete-pod"
    case recreatePod = "re-create-pod", killTcpdump = "kill-tcpdump"
}

/// Applies one random operation at a time to the cluster and records it in the model first.
struct SoakWorkload {
    let cluster: TestCluster
    let node: String
    let sandbox: [SandboxPod]
    let state: SoakState
    let probe: ProcessProbe
    var random: SeededGenerator

    /// Annotated Pods hover around this many, so the 8 places are sometimes all taken (a queue
    /// forms) and sometimes not.
    static let targetAnnotated = 11
    static let maxFiles = 4
    /// A request's tcpdump is killed at most this often: podcap restarts it after 1 s, 2 s,
    /// 4 s of backoff (doubling per failure within 60 s of running), all well inside the
    /// monitor's settle time. A changed request is a new capture with a fresh backoff.
    static let killsPerRequest = 3
    /// Only a tcpdump that has run a little: one killed while starting is the same test again.
    static let killableAfter = 2.0

    /// Creates the Pods, unannotated and Running, one per sandbox Pod.
    static func createPods(_ pods: [SoakPod], cluster: TestCluster, node: String, sandbox: [SandboxPod]) async throws {
        for pod in pods {
            try await cluster.driver.createPod(namespace: cluster.namespace, name: pod.name, node: node)
            try await cluster.setRunning(pod.name, containerID: sandbox[pod.sandbox].containerID, podIP: sandbox[pod.sandbox].ipv4)
        }
    }

    /// Picks and performs one operation; returns it, or `nil` when none applied this turn.
    mutating func step() async throws -> SoakOperation? {
        let pods = state.read { $0.pods }
        let annotated = pods.indices.filter { pods[$0].exists && pods[$0].files != nil }
        let plain = pods.indices.filter { pods[$0].exists && pods[$0].files == nil }
        let deleted = pods.indices.filter { !pods[$0].exists }
        let now = ProcessProbe.uptime()
        let killsSoFar = Dictionary(uniqueKeysWithValues: pods.map { ($0.name, $0.kills) })
        let killable = probe.tcpdumps().filter {
            now - $0.startedSecondsSinceBoot >= Self.killableAfter && (killsSoFar[$0.pod] ?? Self.killsPerRequest) < Self.killsPerRequest
        }
        var choices: [(SoakOperation, Int)] = [
            (.annotate, plain.isEmpty ? 0 : (annotated.count < Self.targetAnnotated ? 5 : 1)),
            (.changeFiles, annotated.isEmpty ? 0 : 2),
            (.removeAnnotation, annotated.isEmpty ? 0 : (annotated.count > Self.targetAnnotated ? 4 : 1)),
            (.deletePod, pods.count - deleted.count > pods.count - 5 ? 1 : 0),
            (.recreatePod, deleted.isEmpty ? 0 : 2),
            (.killTcpdump, killable.isEmpty ? 0 : 2),
        ]
        choices.removeAll { $0.1 == 0 }
        guard !choices.isEmpty else { return nil }
        var pick = Int.random(in: 0..<choices.reduce(0) { $0 + $1.1 }, using: &random)
        let operation = choices.first { choice in
            defer { pick -= choice.1 }
            return pick < choice.1
        }!.0
        switch operation {
        case .annotate:
            let index = plain.randomElement(using: &random)!
            let files = Int.random(in: 1...Self.maxFiles, using: &random)
            try await change(index) { $0.files = files } perform: { try await cluster.annotate($0.name, String(files)) }
        case .changeFiles:
            let index = annotated.randomElement(using: &random)!
            let old = pods[index].files!
            let files = (1...Self.maxFiles).filter { $0 != old }.randomElement(using: &random)!
            try await change(index) { $0.files = files } perform: { try await cluster.annotate($0.name, String(files)) }
        case .removeAnnotation:
            let index = annotated.randomElement(using: &random)!
            try await change(index) { $0.files = nil } perform: { try await cluster.annotate($0.name, nil) }
        case .deletePod:
            let index = pods.indices.filter { pods[$0].exists }.randomElement(using: &random)!
            try await change(index) { $0.exists = false; $0.files = nil } perform: { pod in
                try await cluster.driver.deletePod(namespace: cluster.namespace, name: pod.name)
            }
        case .recreatePod:
            let index = deleted.randomElement(using: &random)!
            let files: Int? = Bool.random(using: &random) ? Int.random(in: 1...Self.maxFiles, using: &random) : nil
            let backing = sandbox[pods[index].sandbox]
            try await change(index) { $0.exists = true; $0.files = files } perform: { pod in
                try await cluster.driver.createPod(namespace: cluster.namespace, name: pod.name, node: node,
                                                   annotations: files.map { ["tcpdump.antrea.io": String($0)] } ?? [:])
                try await cluster.setRunning(pod.name, containerID: backing.containerID, podIP: backing.ipv4)
            }
        case .killTcpdump:
            let victim = killable.randomElement(using: &random)!
            guard let index = pods.firstIndex(where: { $0.name == victim.pod }) else { return nil }
            try await change(index, sameRequest: true) { $0.kills += 1 } perform: { _ in _ = kill(victim.pid, SIGKILL) }
        }
        state.update { $0.operations[operation.rawValue, default: 0] += 1 }
        return operation
    }

    /// Marks the Pod changed (before the request goes out: anything of it started earlier
    /// belongs to the old request), applies `edit` to the model, then performs the request.
    private func change(_ index: Int, sameRequest: Bool = false, _ edit: @Sendable (inout SoakPod) -> Void,
                        perform: (SoakPod) async throws -> Void) async throws {
        let now = ProcessProbe.uptime()
        let pod = state.update { c in
            c.pods[index].lastChange = now
            // Anything but a kill is a new request, whose capture starts a fresh backoff.
            if !sameRequest { c.pods[index].kills = 0 }
            edit(&c.pods[index])
            return c.pods[index]
        }
        try await perform(pod)
    }
}

/// UDP bursts and pings between random sandbox Pods until cancelled, so every capture writes.
struct SoakTraffic: Sendable {
    let pods: [SandboxPod]
    let seed: UInt64

    func run() async -> (datagrams: Int, replies: Int) {
        var random = SeededGenerator(seed: seed)
        var datagrams = 0, replies = 0, round = 0
        while !Task.isCancelled {
            let from = pods.randomElement(using: &random)!
            let to = pods.filter { $0 != from }.randomElement(using: &random)!
            datagrams += (try? await Traffic.sendUDP(from: from, to: to, count: 20, payloadSize: 200, burst: 20)) ?? 0
            if round % 10 == 0 { replies += (try? await Traffic.ping(from: from, to: to, count: 2, timeout: .milliseconds(500))) ?? 0 }
            round += 1
            // Pacing of the load (~400 datagrams/s in all), not synchronisation.
            try? await Task.sleep(for: .milliseconds(50))
        }
        return (datagrams, replies)
    }
}
