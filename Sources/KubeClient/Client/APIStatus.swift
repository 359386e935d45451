/// A Kubernetes `meta/v1 Status`, the body of every API error and of watch `ERROR` events.
public struct APIStatus: Sendable, Equatable, Codable {
    public var status: String?
    public var message: String?
    /// Machine-readable reason: `NotFound`, `Expired`, `Gone`, `TooManyRequests`, `Unauthorized`, …
    public var reason: String?
    public var code: Int?

    public init(status: String? = "Failure", message: String? = nil, reason: String? = nil, code: Int? = nil) {
        self.status = status
        self.message = message
        self.reason = reason
        self.code = code
    }
}
