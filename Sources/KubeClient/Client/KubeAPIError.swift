/// A failed API call.
public enum KubeAPIError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The server answered with a non-2xx status; `status` is its decoded `Status` body when it sent one.
    case http(code: Int, status: APIStatus?, retryAfterSeconds: Int?)
    /// No connection could be made: nothing listens at the address, or it is not reachable.
    /// Nothing was sent, so a retry is always safe and costs the server nothing.
    case unreachable(String)
    /// The request did not reach the server or the connection broke (DNS, TLS, a reset, timeout).
    case transport(String)
    /// The response body was not the JSON expected.
    case decoding(String)
    /// The client could not be built from its configuration (bad PEM, TLS setup).
    case configuration(String)
    /// The client was shut down.
    case shutdown
    /// No credential could be obtained (the exec plugin failed), or the server rejected one that
    /// podcap cannot refresh (an OIDC id-token); the ``KubeConfigError`` names the file and field.
    case credentials(KubeConfigError)

    /// HTTP status code, when there was a response.
    public var httpCode: Int? {
        if case .http(let code, _, _) = self { return code }
        return nil
    }

    /// Worth retrying with backoff: throttling, server errors, and transport failures.
    public var isRetryable: Bool {
        switch self {
        case .http(let code, _, _): return code == 429 || code >= 500
        case .transport, .unreachable: return true
        default: return false
        }
    }

    public var description: String {
        switch self {
        case .http(let code, let status, _):
            return "HTTP \(code)" + (status.map { ": \($0.reason ?? "") \($0.message ?? "")" } ?? "")
        case .unreachable(let s): return "unreachable: \(s)"
        case .transport(let s): return "transport: \(s)"
        case .decoding(let s): return "decoding: \(s)"
        case .configuration(let s): return "configuration: \(s)"
        case .shutdown: return "client shut down"
        case .credentials(let error): return "credentials: \(error)"
        }
    }
}
