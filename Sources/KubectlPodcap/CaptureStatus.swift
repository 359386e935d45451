/// The `tcpdump.antrea.io/status` annotation the podcap agent writes on a captured Pod.
struct CaptureStatus: Codable, Sendable, Equatable {
    static let annotation = "tcpdump.antrea.io/status"

    struct File: Codable, Sendable, Equatable {
        var path: String
        var bytes: Int64
    }

    var state: String
    var reason: String?
    var message: String?
    var files: [File]?
    var maxFiles: Int?
    var options: [String: String]?
    var packets: Int?
    var dropped: Int?
    /// When the capture first started (while it runs, and once it completed).
    var since: String?
    var time: String?

    var bytes: Int64 { (files ?? []).reduce(0) { $0 + $1.bytes } }
}
