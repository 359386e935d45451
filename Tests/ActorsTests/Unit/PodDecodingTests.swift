@testable import Actors
import Foundation
import KubeModel
import Testing

@Suite("Pod model")
struct PodDecodingTests {
    /// A Pod as kube-apiserver v1.20 serves it, trimmed of nothing that matters.
    static let realPod = #"""
    {"kind":"Pod","apiVersion":"v1","metadata":{"name":"web-1","namespace":"default","uid":"6c1f2f44-0000-4c5e-9d5b-1c7d2a0e8a11",
    "resourceVersion":"4711","creationTimestamp":"2026-11-27T10:00:00Z","labels":{"app":"web"},
    "annotations":{"tcpdump.antrea.io":"5"},"managedFields":[{"manager":"kubectl","operation":"Update","apiVersion":"v1"}]},
    "spec":{"volumes":[],"containers":[{"name":"app","image":"nginx","resources":{}},{"name":"sidecar","image":"busybox"}],
    "restartPolicy":"Always","nodeName":"node-a","schedulerName":"default-scheduler"},
    "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],"hostIP":"172.18.0.2","podIP":"10.244.1.7",
    "podIPs":[{"ip":"10.244.1.7"}],"startTime":"2026-11-27T10:00:01Z",
    "containerStatuses":[
      {"name":"sidecar","state":{"running":{"startedAt":"2026-11-27T10:00:03Z"}},"lastState":{},"ready":true,"restartCount":0,
       "image":"busybox","imageID":"x","containerID":"containerd://bbbb","started":true},
      {"name":"app","state":{"running":{"startedAt":"2026-11-27T10:00:02Z"}},"lastState":{},"ready":true,"restartCount":1,
       "image":"nginx","imageID":"y","containerID":"containerd://aaaa","started":true}],"qosClass":"BestEffort"}}
    """#

    @Test func decodesRealJSONIgnoringUnknownFields() throws {
        let pod = try JSONDecoder().decode(Pod.self, from: Data(Self.realPod.utf8))
        #expect(pod.metadata.name == "web-1")
        #expect(pod.metadata.resourceVersion == "4711")
        #expect(pod.metadata.annotations[captureAnnotation] == "5")
        #expect(pod.spec.nodeName == "node-a")
        #expect(pod.spec.containers.map(\.name) == ["app", "sidecar"])
        #expect(pod.status.podIP == "10.244.1.7")
        #expect(pod.status.containerStatuses.count == 2)
    }

    @Test func readinessPrefersTheFirstDeclaredContainer() throws {
        let pod = try JSONDecoder().decode(Pod.self, from: Data(Self.realPod.utf8))
        guard case .ready(let target) = PodReadiness(pod) else { Issue.record("not ready"); return }
        #expect(target.containers.map(\.containerID) == ["containerd://aaaa", "containerd://bbbb"])
    }

    @Test func notReadyAndTerminatingAreDistinct() throws {
        var pod = try JSONDecoder().decode(Pod.self, from: Data(Self.realPod.utf8))
        pod.status.phase = "Pending"
        #expect(PodReadiness(pod) == .notReady("Pod phase is Pending, not Running"))
        pod.status.phase = "Running"
        for index in pod.status.containerStatuses.indices {
            pod.status.containerStatuses[index].state = ContainerState(waiting: .init(reason: "CrashLoopBackOff"))
        }
        #expect(PodReadiness(pod) == .notReady("no container of the Pod is running"))
        pod.metadata.deletionTimestamp = "2026-11-27T11:00:00Z"
        #expect(PodReadiness(pod) == .terminating)
    }

    @Test("malformed objects are errors, not crashes", arguments: [
        #"{}"#,
        #"{"metadata":{"name":"x"}}"#,
        #"{"metadata":{"name":"x","uid":"u","annotations":{"a":1}}}"#,
        #"{"metadata":{"name":"x","uid":"u"},"spec":{"containers":"no"}}"#,
        #"{"metadata":"#,
        #"[]"#,
        // Regression (Fuzz/PodWatch): an empty name or uid decoded as a Pod.
        #"{"metadata":{"name":"","uid":"u"}}"#,
        #"{"metadata":{"name":"x","uid":""}}"#,
    ])
    func malformed(json: String) {
        #expect(throws: (any Error).self) { try JSONDecoder().decode(Pod.self, from: Data(json.utf8)) }
    }

    @Test func minimalDeletedObjectDecodes() throws {
        let pod = try JSONDecoder().decode(Pod.self, from: Data(#"{"metadata":{"name":"x","namespace":"d","uid":"u"}}"#.utf8))
        #expect(pod.status.phase == nil)
        #expect(pod.spec.containers.isEmpty)
    }
}
