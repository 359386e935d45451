/// The subset of a Kubernetes `v1.Pod` that podcap acts on, decoded from real API JSON.
///
/// Unknown fields are ignored so that newer servers never break decoding; every field podcap
/// does not strictly need is optional for the same reason.
public struct Pod: Sendable, Hashable, Codable {
    public var metadata: ObjectMeta
    public var spec: PodSpec
    public var status: PodStatus

    public init(metadata: ObjectMeta, spec: PodSpec = PodSpec(), status: PodStatus = PodStatus()) {
        self.metadata = metadata
        self.spec = spec
        self.status = status
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        metadata = try c.decode(ObjectMeta.self, forKey: .metadata)
        // A Pod object in a DELETED event or a list may omit spec or status entirely.
        spec = try c.decodeIfPresent(PodSpec.self, forKey: .spec) ?? PodSpec()
        status = try c.decodeIfPresent(PodStatus.self, forKey: .status) ?? PodStatus()
    }

    private enum CodingKeys: String, CodingKey { case metadata, spec, status }

    /// `namespace/name`, the form used in logs and messages.
    public var displayName: String { "\(metadata.namespace)/\(metadata.name)" }
}

/// `metadata` of a Kubernetes object.
public struct ObjectMeta: Sendable, Hashable, Codable {
    public var namespace: String
    public var name: String
    public var uid: String
    public var resourceVersion: String?
    public var annotations: [String: String]
    public var labels: [String: String]
    /// RFC 3339 time at which deletion was requested; present means "being deleted".
    public var deletionTimestamp: String?

    public init(
        namespace: String, name: String, uid: String, resourceVersion: String? = nil,
        annotations: [String: String] = [:], labels: [String: String] = [:], deletionTimestamp: String? = nil
    ) {
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.resourceVersion = resourceVersion
        self.annotations = annotations
        self.labels = labels
        self.deletionTimestamp = deletionTimestamp
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        namespace = try c.decodeIfPresent(String.self, forKey: .namespace) ?? ""
        name = try c.decode(String.self, forKey: .name)
        uid = try c.decode(String.self, forKey: .uid)
        // Kubernetes never serves an object without them; podcap keys captures, file names and
        // reports by both, so an empty one is a malformed object, not a Pod.
        guard !name.isEmpty else { throw DecodingError.dataCorruptedError(forKey: .name, in: c, debugDescription: "metadata.name is empty") }
        guard !uid.isEmpty else { throw DecodingError.dataCorruptedError(forKey: .uid, in: c, debugDescription: "metadata.uid is empty") }
        resourceVersion = try c.decodeIfPresent(String.self, forKey: .resourceVersion)
        annotations = try c.decodeIfPresent([String: String].self, forKey: .annotations) ?? [:]
        labels = try c.decodeIfPresent([String: String].self, forKey: .labels) ?? [:]
        deletionTimestamp = try c.decodeIfPresent(String.self, forKey: .deletionTimestamp)
    }

    private enum CodingKeys: String, CodingKey {
        case namespace, name, uid, resourceVersion, annotations, labels, deletionTimestamp
    }
}

/// `spec` of a Pod: where it is scheduled and which containers it declares.
public struct PodSpec: Sendable, Hashable, Codable {
    public var nodeName: String?
    public var containers: [Container]

    public init(nodeName: String? = nil, containers: [Container] = []) {
        self.nodeName = nodeName
        self.containers = containers
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        nodeName = try c.decodeIfPresent(String.self, forKey: .nodeName)
        containers = try c.decodeIfPresent([Container].self, forKey: .containers) ?? []
    }

    private enum CodingKeys: String, CodingKey { case nodeName, containers }

    /// A container declared in the Pod spec; only its name matters to podcap.
    public struct Container: Sendable, Hashable, Codable {
        public var name: String
        public init(name: String) { self.name = name }
    }
}

/// `status` of a Pod as written by the kubelet.
public struct PodStatus: Sendable, Hashable, Codable {
    public var phase: String?
    public var podIP: String?
    public var containerStatuses: [ContainerStatus]

    public init(phase: String? = nil, podIP: String? = nil, containerStatuses: [ContainerStatus] = []) {
        self.phase = phase
        self.podIP = podIP
        self.containerStatuses = containerStatuses
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        phase = try c.decodeIfPresent(String.self, forKey: .phase)
        podIP = try c.decodeIfPresent(String.self, forKey: .podIP)
        containerStatuses = try c.decodeIfPresent([ContainerStatus].self, forKey: .containerStatuses) ?? []
    }

    private enum CodingKeys: String, CodingKey { case phase, podIP, containerStatuses }
}

/// One entry of `status.containerStatuses`.
public struct ContainerStatus: Sendable, Hashable, Codable {
    public var name: String
    /// `<runtime>://<id>`, e.g. `containerd://4f2a…`; absent until the container was created.
    public var containerID: String?
    public var ready: Bool
    public var started: Bool?
    public var state: ContainerState
    /// How often the kubelet restarted this container; `stop-on: container-restart` watches it.
    public var restartCount: Int

    public init(name: String, containerID: String? = nil, ready: Bool = false, started: Bool? = nil,
                state: ContainerState = ContainerState(), restartCount: Int = 0) {
        self.name = name
        self.containerID = containerID
        self.ready = ready
        self.started = started
        self.state = state
        self.restartCount = restartCount
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        containerID = try c.decodeIfPresent(String.self, forKey: .containerID)
        ready = try c.decodeIfPresent(Bool.self, forKey: .ready) ?? false
        started = try c.decodeIfPresent(Bool.self, forKey: .started)
        state = try c.decodeIfPresent(ContainerState.self, forKey: .state) ?? ContainerState()
        restartCount = try c.decodeIfPresent(Int.self, forKey: .restartCount) ?? 0
    }

    private enum CodingKeys: String, CodingKey { case name, containerID, ready, started, state, restartCount }
}

/// `state` of a container: exactly one of the three is normally set.
public struct ContainerState: Sendable, Hashable, Codable {
    /// Present while the container runs; carries `startedAt`.
    public var running: Running?
    public var waiting: Reason?
    public var terminated: Reason?

    public init(running: Running? = nil, waiting: Reason? = nil, terminated: Reason? = nil) {
        self.running = running
        self.waiting = waiting
        self.terminated = terminated
    }

    /// `state.running`.
    public struct Running: Sendable, Hashable, Codable {
        public var startedAt: String?
        public init(startedAt: String? = nil) { self.startedAt = startedAt }
    }

    /// `state.waiting` or `state.terminated`; podcap keeps only the reason.
    public struct Reason: Sendable, Hashable, Codable {
        public var reason: String?
        public init(reason: String? = nil) { self.reason = reason }
    }
}
