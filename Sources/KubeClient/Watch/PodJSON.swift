import KubeModel

/// Decodes the fields of a Pod that `KubeModel.Pod` holds straight from JSON bytes, skipping
/// the rest (managedFields, volumes, conditions… most of a 4 KB watch event) without building
/// it. Same results and the same rules as `Pod`'s `Decodable` conformance: unknown fields are
/// ignored, optional fields may be absent or `null`, required ones (`metadata.name`,
/// `metadata.uid`, a container's `name`) must be strings (the first two non-empty), and a field
/// of the wrong type is an error. Of a member name that repeats, JSONDecoder keeps the first
/// value and this decoder the last; the API server never repeats one (Fuzz/PodWatch checks
/// agreement on JSON whose names are unique). `JSONDecoder` built every object of the event
/// first and is several times slower (`podcap-bench decode` prints both rates).
enum PodJSON {
    /// One whole JSON document holding a Pod (a GET or PATCH response body).
    static func pod(document bytes: UnsafeRawBufferPointer) throws(JSONScanner.Failure) -> Pod {
        var s = JSONScanner(bytes)
        let pod = try pod(&s)
        guard s.peek() == nil else { throw s.failure("trailing bytes after the Pod") }
        return pod
    }

    static func pod(_ s: inout JSONScanner) throws(JSONScanner.Failure) -> Pod {
        guard s.peek() == UInt8(ascii: "{") else { throw s.failure("a Pod must be an object") }
        var metadata: ObjectMeta?
        var spec = PodSpec()
        var status = PodStatus()
        var started = false
        while let key = try s.nextMember(&started) {
            if key.matches("metadata", in: s) {
                metadata = try objectMeta(&s)
            } else if key.matches("spec", in: s) {
                if try !s.consumeNull() { spec = try podSpec(&s) }
            } else if key.matches("status", in: s) {
                if try !s.consumeNull() { status = try podStatus(&s) }
            } else {
                try s.skipValue()
            }
        }
        guard let metadata else { throw s.failure("a Pod without metadata") }
        return Pod(metadata: metadata, spec: spec, status: status)
    }

    static func objectMeta(_ s: inout JSONScanner) throws(JSONScanner.Failure) -> ObjectMeta {
        guard s.peek() == UInt8(ascii: "{") else { throw s.failure("metadata must be an object") }
        var namespace: String?
        var name: String?
        var uid: String?
        var resourceVersion: String?
        var annotations: [String: String]?
        var labels: [String: String]?
        var deletionTimestamp: String?
        var started = false
        while let key = try s.nextMember(&started) {
            if key.matches("name", in: s) {
                name = try s.string()
            } else if key.matches("namespace", in: s) {
                namespace = try s.optionalString()
            } else if key.matches("uid", in: s) {
                uid = try s.string()
            } else if key.matches("resourceVersion", in: s) {
                resourceVersion = try s.optionalString()
            } else if key.matches("annotations", in: s) {
                annotations = try s.optionalStringMap()
            } else if key.matches("labels", in: s) {
                labels = try s.optionalStringMap()
            } else if key.matches("deletionTimestamp", in: s) {
                deletionTimestamp = try s.optionalString()
            } else {
                try s.skipValue()
            }
        }
        // Non-empty, as `ObjectMeta`'s `Decodable` conformance requires (found by Fuzz/PodWatch).
        guard let name, !name.isEmpty else { throw s.failure("metadata.name is missing or empty") }
        guard let uid, !uid.isEmpty else { throw s.failure("metadata.uid is missing or empty") }
        return ObjectMeta(namespace: namespace ?? "", name: name, uid: uid, resourceVersion: resourceVersion,
                          annotations: annotations ?? [:], labels: labels ?? [:], deletionTimestamp: deletionTimestamp)
    }

    private static func podSpec(_ s: inout JSONScanner) throws(JSONScanner.Failure) -> PodSpec {
        guard s.peek() == UInt8(ascii: "{") else { throw s.failure("spec must be an object") }
        var spec = PodSpec()
        var started = false
        while let key = try s.nextMember(&started) {
            if key.matches("nodeName", in: s) {
                spec.nodeName = try s.optionalString()
            } else if key.matches("containers", in: s) {
                if try s.consumeNull() { continue }
                var more = false
                while try s.nextElement(&more) {
                    guard s.peek() == UInt8(ascii: "{") else { throw s.failure("a container must be an object") }
                    var name: String?
                    var open = false
                    while let key = try s.nextMember(&open) {
                        if key.matches("name", in: s) { name = try s.string() } else { try s.skipValue() }
                    }
                    guard let name else { throw s.failure("a container without a name") }
                    spec.containers.append(PodSpec.Container(name: name))
                }
            } else {
                try s.skipValue()
            }
        }
        return spec
    }

    private static func podStatus(_ s: inout JSONScanner) throws(JSONScanner.Failure) -> PodStatus {
        guard s.peek() == UInt8(ascii: "{") else { throw s.failure("status must be an object") }
        var status = PodStatus()
        var started = false
        while let key = try s.nextMember(&started) {
            if key.matches("phase", in: s) {
                status.phase = try s.optionalString()
            } else if key.matches("podIP", in: s) {
                status.podIP = try s.optionalString()
            } else if key.matches("containerStatuses", in: s) {
                if try s.consumeNull() { continue }
                var more = false
                while try s.nextElement(&more) {
                    status.containerStatuses.append(try containerStatus(&s))
                }
            } else {
                try s.skipValue()
            }
        }
        return status
    }

    private static func containerStatus(_ s: inout JSONScanner) throws(JSONScanner.Failure) -> ContainerStatus {
        guard s.peek() == UInt8(ascii: "{") else { throw s.failure("a container status must be an object") }
        var name: String?
        var containerID: String?
        var ready: Bool?
        var started: Bool?
        var restartCount: Int?
        var state = ContainerState()
        var open = false
        while let key = try s.nextMember(&open) {
            if key.matches("name", in: s) {
                name = try s.string()
            } else if key.matches("containerID", in: s) {
                containerID = try s.optionalString()
            } else if key.matches("ready", in: s) {
                ready = try s.optionalBool()
            } else if key.matches("started", in: s) {
                started = try s.optionalBool()
            } else if key.matches("restartCount", in: s) {
                restartCount = try s.optionalInt()
            } else if key.matches("state", in: s) {
                if try !s.consumeNull() { state = try containerState(&s) }
            } else {
                try s.skipValue()
            }
        }
        guard let name else { throw s.failure("a container status without a name") }
        return ContainerStatus(name: name, containerID: containerID, ready: ready ?? false, started: started, state: state,
                               restartCount: restartCount ?? 0)
    }

    private static func containerState(_ s: inout JSONScanner) throws(JSONScanner.Failure) -> ContainerState {
        guard s.peek() == UInt8(ascii: "{") else { throw s.failure("a container state must be an object") }
        var state = ContainerState()
        var started = false
        while let key = try s.nextMember(&started) {
            if key.matches("running", in: s) {
                if try s.consumeNull() { continue }
                state.running = ContainerState.Running(startedAt: try field("startedAt", of: &s))
            } else if key.matches("waiting", in: s) {
                if try s.consumeNull() { continue }
                state.waiting = ContainerState.Reason(reason: try field("reason", of: &s))
            } else if key.matches("terminated", in: s) {
                if try s.consumeNull() { continue }
                state.terminated = ContainerState.Reason(reason: try field("reason", of: &s))
            } else {
                try s.skipValue()
            }
        }
        return state
    }

    /// The optional string member `name` of an object, skipping the others.
    private static func field(_ name: StaticString, of s: inout JSONScanner) throws(JSONScanner.Failure) -> String? {
        guard s.peek() == UInt8(ascii: "{") else { throw s.failure("expected an object") }
        var value: String?
        var started = false
        while let key = try s.nextMember(&started) {
            if key.matches(name, in: s) { value = try s.optionalString() } else { try s.skipValue() }
        }
        return value
    }
}
