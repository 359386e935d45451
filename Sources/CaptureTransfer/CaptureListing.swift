/// What the agent says about one capture on `GET /captures/<namespace>/<name>`: the files it
/// owns, from its own state. `podcap export` and `podcap follow` serve exactly these.
public struct CaptureListing: Sendable, Hashable, Codable {
    public var namespace: String
    public var name: String
    public var uid: String
    /// `capturing`, `completed`, `failed`, `waiting`.
    public var state: String
    /// Every file the capture may own, oldest first: kept segments of earlier runs, then the
    /// ring tcpdump writes (absolute paths; not all need exist yet).
    public var files: [String]
    /// The ring of the current run, in tcpdump's index order.
    public var ring: [String]

    public init(namespace: String, name: String, uid: String, state: String, files: [String], ring: [String]) {
        self.namespace = namespace
        self.name = name
        self.uid = uid
        self.state = state
        self.files = files
        self.ring = ring
    }
}
