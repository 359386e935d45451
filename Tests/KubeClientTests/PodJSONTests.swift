import Foundation
import KubeClient
import KubeSim
import NIOCore
import Testing

/// The watch decoder reads Pods with a hand-written scanner (PodJSON); these check it gives
/// exactly what `JSONDecoder` gives through `Pod`'s `Decodable`, and fails where it fails.
@Suite("Pod watch decoding")
struct PodJSONTests {
    static func line(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    static func decode(_ text: String) throws -> PodWatchEvent {
        try PodWatchEvent.decode(line: line(text), using: JSONDecoder())
    }

    /// What `JSONDecoder` makes of the same object.
    static func reference(_ object: String) throws -> Pod {
        try JSONDecoder().decode(Pod.self, from: Data(object.utf8))
    }

    static let realPod = #"""
    {"kind":"Pod","apiVersion":"v1","metadata":{"name":"web-1","namespace":"default","uid":"6c1f2f44-0000-4c5e-9d5b-1c7d2a0e8a11",
    "resourceVersion":"4711","creationTimestamp":"2026-11-27T10:00:00Z","labels":{"app":"web"},
    "annotations":{"tcpdump.antrea.io":"5","note":"tab\there \"quoted\" \u00e9\u4e2d \ud83d\ude00 \/slash"},
    "managedFields":[{"manager":"kubectl","operation":"Update","apiVersion":"v1","fieldsV1":{"f:metadata":{"f:labels":{".":{}}}}}]},
    "spec":{"volumes":[],"containers":[{"name":"app","image":"nginx","resources":{},"ports":[{"containerPort":80,"protocol":"TCP"}]},
    {"name":"sidecar","image":"busybox","args":["-c","x"]}],"terminationGracePeriodSeconds":30,"priority":-1.5e3,
    "restartPolicy":"Always","nodeName":"node-a","schedulerName":"default-scheduler","enableServiceLinks":true,"hostNetwork":false},
    "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","lastProbeTime":null}],"hostIP":"172.18.0.2","podIP":"10.244.1.7",
    "podIPs":[{"ip":"10.244.1.7"}],"startTime":"2026-11-27T10:00:01Z",
    "containerStatuses":[
      {"name":"sidecar","state":{"running":{"startedAt":"2026-11-27T10:00:03Z"}},"lastState":{},"ready":true,"restartCount":0,
       "image":"busybox","imageID":"x","containerID":"containerd://bbbb","started":true},
      {"name":"app","state":{"terminated":{"exitCode":1,"reason":"Error"},"waiting":{"reason":"CrashLoopBackOff"}},"lastState":{},
       "ready":false,"restartCount":1,"image":"nginx","imageID":"y","containerID":"containerd://aaaa","started":null}],"qosClass":"BestEffort"}}
    """#

    @Test("a real Pod, escapes, nulls and numbers included, decodes as JSONDecoder decodes it")
    func realPodMatchesJSONDecoder() throws {
        let expected = try Self.reference(Self.realPod)
        #expect(try Self.decode(#"{"type":"MODIFIED","object":\#(Self.realPod)}"#) == .modified(expected))
        #expect(try Self.decode(#"{"type":"ADDED","object":\#(Self.realPod)}"#) == .added(expected))
        #expect(try Self.decode(#" {"object":\#(Self.realPod),"type":"DELETED"} "#) == .deleted(expected),
                "the object may come before the type")
        #expect(expected.metadata.annotations["note"] == "tab\there \"quoted\" é中 😀 /slash")
    }

    /// Raw (unescaped) UTF-8 takes the validating path; invalid UTF-8 is an error, as for JSONDecoder.
    @Test func rawUTF8StringsAreValidated() throws {
        let pod = #"{"metadata":{"name":"web","namespace":"ns","uid":"u","annotations":{"note":"é中 😀 plain ascii after"}}}"#
        guard case .added(let decoded) = try Self.decode(#"{"type":"ADDED","object":\#(pod)}"#) else {
            Issue.record("not ADDED")
            return
        }
        #expect(decoded == (try Self.reference(pod)))
        var bytes = Array(#"{"type":"ADDED","object":{"metadata":{"name":"web","namespace":"ns","uid":"u","annotations":{"note":"ab"#.utf8)
        bytes += [0xC3, 0x28] + Array(#""}}}}"#.utf8)
        #expect(throws: (any Error).self) { try PodWatchEvent.decode(line: ByteBuffer(bytes: bytes), using: JSONDecoder()) }
    }

    /// Escapes next to raw multi-byte characters (the validating path of escaped strings), in
    /// kept values and in skipped ones, and malformed escapes in kept values.
    @Test func escapesWithRawUTF8() throws {
        let pod = #"{"metadata":{"name":"web","uid":"u","labels":{"k\/é":"é\"q\" \u00e9 中\ud83d\ude00\n"},"#
            + #""skipped":["é\"中\\", "\u00e9\/"]}}"#
        guard case .added(let decoded) = try Self.decode(#"{"type":"ADDED","object":\#(pod)}"#) else {
            Issue.record("not ADDED")
            return
        }
        #expect(decoded == (try Self.reference(pod)))
        #expect(decoded.metadata.labels["k/é"] == "é\"q\" é 中😀\n")
        for bad in [#""\udc00""#, #""\ud83d""#, #""\ud83dx\ude00""#, #""\ud83d\u0041""#, #""\u12""#, #""\u12g4""#, #""\x""#] {
            #expect(throws: (any Error).self, Comment(rawValue: bad)) {
                try Self.decode(#"{"type":"ADDED","object":{"metadata":{"name":"x","uid":"u","labels":{"a":\#(bad)}}}}"#)
            }
        }
        var bytes = Array(#"{"type":"ADDED","object":{"metadata":{"name":"web","uid":"u","labels":{"a":"\n"#.utf8)
        bytes += [0xC3, 0x28] + Array(#"\t"}}}}"#.utf8)
        #expect(throws: (any Error).self) { try PodWatchEvent.decode(line: ByteBuffer(bytes: bytes), using: JSONDecoder()) }
    }

    /// The string scanner reads eight bytes at a time: a closing quote or an escape at every
    /// offset of a word, in kept and in skipped strings, near the end of the line too.
    @Test func stringsOfEveryLength() throws {
        for length in 0..<40 {
            for escapeAt in [-1] + Array(0..<length) {
                let text = escapeAt < 0 ? String(repeating: "a", count: length)
                    : String(repeating: "a", count: escapeAt) + #"\""# + String(repeating: "a", count: length - escapeAt - 1)
                let pod = #"{"metadata":{"name":"n\#(text)","uid":"u","x\#(text)":"\#(text)"},"status":{"phase":"\#(text)"}}"#
                #expect(try Self.decode(#"{"type":"ADDED","object":\#(pod)}"#) == .added(try Self.reference(pod)), Comment(rawValue: text))
            }
        }
    }

    /// `stop-on: container-restart` compares restart counts, so both decoders must read them.
    @Test func restartCountsAreDecoded() throws {
        guard case .modified(let pod) = try Self.decode(#"{"type":"MODIFIED","object":\#(Self.realPod)}"#) else {
            Issue.record("not a MODIFIED event")
            return
        }
        #expect(pod.status.containerStatuses.map(\.restartCount) == [0, 1])
        #expect(throws: (any Error).self) {
            try Self.decode(#"{"type":"MODIFIED","object":{"metadata":{"name":"a","namespace":"b","uid":"c"},"status":{"containerStatuses":[{"name":"x","restartCount":1.5}]}}}"#)
        }
    }

    @Test("realistic watch events of the benchmark decode as JSONDecoder decodes them")
    func realisticEventsMatchJSONDecoder() throws {
        for i in 0..<20 {
            var pod = SimPods.realistic(namespace: "team-\(i)", name: "web-\(i)", nodeName: "node-1", resourceVersion: 100 + i)
            if i % 3 == 1 { pod["metadata"]?["deletionTimestamp"] = "2026-11-27T11:00:00Z" }
            if i % 4 == 2 { pod["status"] = .null }
            let object = String(decoding: pod.serialized(), as: UTF8.self)
            #expect(try Self.decode(#"{"type":"MODIFIED","object":\#(object)}"#) == .modified(try Self.reference(object)))
        }
    }

    @Test("optional fields may be absent or null")
    func absentAndNull() throws {
        let object = #"{"metadata":{"name":"x","uid":"u","namespace":null,"annotations":null,"labels":{},"resourceVersion":null},"#
            + #""spec":{"containers":null,"nodeName":null},"status":{"containerStatuses":[{"name":"c","ready":null,"state":null}]}}"#
        #expect(try Self.decode(#"{"type":"ADDED","object":\#(object)}"#) == .added(try Self.reference(object)))
        let minimal = #"{"metadata":{"name":"x","namespace":"d","uid":"u"}}"#
        #expect(try Self.decode(#"{"type":"DELETED","object":\#(minimal)}"#) == .deleted(try Self.reference(minimal)))
    }

    @Test("a bookmark gives its resourceVersion; an ERROR its Status")
    func bookmarkAndError() throws {
        #expect(try Self.decode(#"{"type":"BOOKMARK","object":{"kind":"Pod","metadata":{"resourceVersion":"12345","creationTimestamp":null},"spec":{"containers":null}}}"#)
                == .bookmark(resourceVersion: "12345"))
        let error = try Self.decode(#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (2)","reason":"Expired","code":410}}"#)
        #expect(error == .error(APIStatus(status: "Failure", message: "too old resource version: 1 (2)", reason: "Expired", code: 410)))
        #expect(try Self.decode(#"{"object":{"status":"Failure","reason":"Gone","code":410},"type":"ERROR"}"#)
                == .error(APIStatus(status: "Failure", reason: "Gone", code: 410)))
    }

    @Test("malformed events are errors where JSONDecoder's are", arguments: [
        #"{}"#,
        #"[]"#,
        #"{"type":"ADDED"}"#,
        #"{"type":"SIDEWAYS","object":{"metadata":{"name":"x","uid":"u"}}}"#,
        #"{"type":"ADDED","object":{}}"#,
        #"{"type":"ADDED","object":{"metadata":{"name":"x"}}}"#,
        #"{"type":"ADDED","object":{"metadata":{"name":"x","uid":"u","annotations":{"a":1}}}}"#,
        #"{"type":"ADDED","object":{"metadata":{"name":"x","uid":"u"},"spec":{"containers":"no"}}}"#,
        #"{"type":"ADDED","object":{"metadata":{"name":"x","uid":"u"},"spec":{"containers":[{"image":"x"}]}}}"#,
        #"{"type":"ADDED","object":{"metadata":{"name":"x","uid":"u"},"status":{"containerStatuses":[{"name":"c","ready":"yes"}]}}}"#,
        #"{"type":"ADDED","object":{"metadata":{"name":null,"uid":"u"}}}"#,
        #"{"type":"ADDED","object":{"metadata":{"name":"x","uid":"u"},"spec":{"volumes":[{"a":tru}]}}}"#,
        #"{"type":"ADDED","object":{"metadata":{"name":"x","uid":"u"},"spec":{"volumes":[{"a":1},]}}}"#,
        #"{"type":"ADDED","object":{"metadata":{"name":"x","uid":"u"},"spec":{"volumes":[{"a":1}}}}"#,
        #"{"type":"ADDED","object":{"metadata":{"name":"x","uid":"u\q"}}}"#,
        #"{"type":"ADDED","object":{"metadata":{"name":"x","uid":"u"}}} trailing"#,
        #"{"type":"ADDED","object":{"metadata":"#,
        #"{"type":"BOOKMARK","object":{"metadata":{}}}"#,
        // Regression (Fuzz/PodWatch): both decoders returned a Pod with an empty name or uid.
        #"{"type":"ADDED","object":{"metadata":{"name":"","uid":"u"}}}"#,
        #"{"type":"MODIFIED","object":{"metadata":{"name":"x","uid":""}}}"#,
    ])
    func malformed(json: String) {
        #expect(throws: (any Error).self) { try Self.decode(json) }
    }
}
