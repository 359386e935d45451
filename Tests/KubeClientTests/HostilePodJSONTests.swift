import Foundation
import KubeClient
import KubeSim
import NIOCore
import Testing

/// Every field podcap reads from a Pod, missing and then wrong-typed in turn (number, string,
/// bool, array, object, null): the watch decoder (PodJSON) must fail exactly where JSONDecoder
/// fails and otherwise give the same Pod, and neither may crash. The fuzzer (Fuzz/PodWatch)
/// explores at random; this walks every field deliberately.
@Suite("hostile input: Pod JSON with missing or wrong-typed fields")
struct HostilePodJSONTests {
    /// A path into the Pod: object keys, or `#n` for the n-th array element.
    static let fields: [String] = [
        "metadata", "metadata.name", "metadata.namespace", "metadata.uid", "metadata.resourceVersion",
        "metadata.annotations", "metadata.annotations.tcpdump.antrea.io", "metadata.labels", "metadata.labels.app",
        "metadata.deletionTimestamp",
        "spec", "spec.nodeName", "spec.containers", "spec.containers.#0", "spec.containers.#0.name",
        "status", "status.phase", "status.podIP", "status.containerStatuses", "status.containerStatuses.#0",
        "status.containerStatuses.#0.name", "status.containerStatuses.#0.containerID", "status.containerStatuses.#0.ready",
        "status.containerStatuses.#0.started", "status.containerStatuses.#0.restartCount", "status.containerStatuses.#0.state",
        "status.containerStatuses.#0.state.running", "status.containerStatuses.#0.state.running.startedAt",
        "status.containerStatuses.#1.state.waiting", "status.containerStatuses.#1.state.waiting.reason",
        "status.containerStatuses.#1.state.terminated",
    ]

    static let replacements: [(String, JSONValue?)] = [
        ("missing", nil), ("a number", 7), ("a fraction", .double(1.5)), ("a string", "x"), ("a bool", true),
        ("an array", ["x"]), ("an object", ["k": "v"]), ("null", .null),
    ]

    /// A Pod with every field of `fields` present (the second container waiting, then terminated).
    static var pod: JSONValue {
        var pod = SimPods.realistic(namespace: "team-a", name: "web-1", nodeName: "node-1", resourceVersion: 42)
        pod["metadata"]?["deletionTimestamp"] = "2026-11-27T11:00:00Z"
        let statuses: JSONValue = [
            ["name": "web", "ready": true, "started": true, "restartCount": 2, "containerID": "containerd://aaaa",
             "image": "nginx", "imageID": "x", "state": ["running": ["startedAt": "2026-11-27T10:00:02Z"]]],
            ["name": "sidecar", "ready": false, "started": false, "restartCount": 0, "containerID": "containerd://bbbb",
             "image": "busybox", "imageID": "y",
             "state": ["waiting": ["reason": "CrashLoopBackOff"], "terminated": ["exitCode": 1, "reason": "Error"]]],
        ]
        pod["status"]?["containerStatuses"] = statuses
        return pod
    }

    /// `value` with the element at `path` replaced (`nil`: removed).
    static func replacing(_ path: ArraySlice<Substring>, in value: JSONValue, with replacement: JSONValue?) -> JSONValue {
        guard let head = path.first else { return replacement ?? .null }
        let rest = path.dropFirst()
        switch value {
        case .object(var members):
            // Annotation keys hold dots: take the longest key that exists.
            var key = String(head), consumed = 1
            for count in stride(from: path.count, through: 1, by: -1) {
                let candidate = path.prefix(count).joined(separator: ".")
                if members[candidate] != nil { key = candidate; consumed = count; break }
            }
            let remaining = path.dropFirst(consumed)
            if remaining.isEmpty { members[key] = replacement } else if let member = members[key] {
                members[key] = replacing(remaining, in: member, with: replacement)
            }
            return .object(members)
        case .array(var elements):
            guard head.hasPrefix("#"), let index = Int(head.dropFirst()), elements.indices.contains(index) else { return value }
            if rest.isEmpty {
                if let replacement { elements[index] = replacement } else { elements.remove(at: index) }
            } else {
                elements[index] = replacing(rest, in: elements[index], with: replacement)
            }
            return .array(elements)
        default:
            return value
        }
    }

    struct Outcome: Equatable, CustomStringConvertible {
        var pod: Pod?
        var description: String { pod.map { "\($0.metadata.name) (\($0.status.containerStatuses.count) statuses)" } ?? "error" }
    }

    @Test("each field missing, then of each wrong type: both decoders agree, neither crashes", arguments: fields)
    func field(_ path: String) throws {
        let components = ArraySlice(path.split(separator: "."))
        #expect(Self.replacing(components, in: Self.pod, with: nil) != Self.pod, "the path \(path) exists in the fixture")
        var rejected = 0
        for (kind, replacement) in Self.replacements {
            let object = String(decoding: Self.replacing(components, in: Self.pod, with: replacement).serialized(), as: UTF8.self)
            let reference = Outcome(pod: try? JSONDecoder().decode(Pod.self, from: Data(object.utf8)))
            let line = ByteBuffer(string: #"{"type":"MODIFIED","object":\#(object)}"#)
            let watched: Outcome
            do {
                guard case .modified(let pod) = try PodWatchEvent.decode(line: line, using: JSONDecoder()) else {
                    Issue.record("\(path) \(kind): not a MODIFIED event")
                    continue
                }
                watched = Outcome(pod: pod)
            } catch {
                watched = Outcome(pod: nil)
                // A clear error: it says what was wrong, not only that something was.
                #expect(!"\(error)".isEmpty)
            }
            #expect(watched == reference, "\(path) as \(kind): watch decoder \(watched), JSONDecoder \(reference)")
            if reference.pod == nil { rejected += 1 }
        }
        // Every field rejects at least one of the eight shapes (a string field a number, …).
        #expect(rejected >= 1, "\(path): every replacement was accepted")
    }

    @Test("the event envelope: type and object missing or wrong-typed", arguments: [
        #"{"type":7,"object":{"metadata":{"name":"x","uid":"u"}}}"#,
        #"{"type":null,"object":{"metadata":{"name":"x","uid":"u"}}}"#,
        #"{"type":"ADDED","object":"pod"}"#,
        #"{"type":"ADDED","object":[]}"#,
        #"{"type":"ADDED","object":null}"#,
        #"{"type":["ADDED"],"object":{"metadata":{"name":"x","uid":"u"}}}"#,
        #"{"type":"BOOKMARK","object":{"metadata":{"resourceVersion":12}}}"#,
        #"{"type":"ERROR","object":"gone"}"#,
        #""ADDED""#, "7", "null", "true",
    ])
    func envelope(_ line: String) {
        #expect(throws: (any Error).self) { try PodWatchEvent.decode(line: ByteBuffer(string: line), using: JSONDecoder()) }
    }
}
