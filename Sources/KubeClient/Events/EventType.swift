/// `type` of a Kubernetes Event.
public enum EventType: String, Sendable, Codable {
    case normal = "Normal"
    case warning = "Warning"
}
