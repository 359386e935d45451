/// Why `podcap export` or `podcap follow` refused or stopped. Each is one line on standard
/// error (which `kubectl podcap` shows as is) and its own exit status.
public enum ServingError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request does not name a Pod: not a namespace and a Pod name as Kubernetes allows them.
    case invalidPodName(String)
    /// This agent has no capture of that Pod.
    case notCaptured(namespace: String, name: String)
    /// The agent's endpoint did not answer.
    case agentUnreachable(address: String, reason: String)
    /// The agent listed a file that is not one this Pod's capture can own; nothing is served.
    case foreignFile(path: String)
    /// The capture ended (files deleted, or completed) while it was followed.
    case captureEnded(String)
    /// A file could not be read.
    case unreadable(path: String, reason: String)
    /// The stream's reader went away.
    case readerGone

    public var description: String {
        switch self {
        case .invalidPodName(let text):
            "refused: \"\(text.prefix(100))\" is not NAMESPACE/POD (a DNS label, a slash, a DNS subdomain)"
        case .notCaptured(let namespace, let name):
            "no capture of \(namespace)/\(name) on this node: annotate it with tcpdump.antrea.io (kubectl podcap start)"
        case .agentUnreachable(let address, let reason):
            "the podcap controller does not answer on \(address): \(reason)"
        case .foreignFile(let path):
            "refused: \(path) is not a file of this capture"
        case .captureEnded(let why):
            "capture ended: \(why)"
        case .unreadable(let path, let reason):
            "cannot read \(path): \(reason)"
        case .readerGone:
            "the reader closed the stream"
        }
    }

    /// Exit status: 2 for a refused request, 3 not captured, 4 agent trouble, 0 for an ended stream.
    public var exitCode: Int32 {
        switch self {
        case .invalidPodName, .foreignFile: 2
        case .notCaptured: 3
        case .agentUnreachable, .unreadable: 4
        case .captureEnded, .readerGone: 0
        }
    }
}
