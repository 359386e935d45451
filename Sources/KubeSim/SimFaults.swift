/// A fault applied to the next watch request that KubeSim serves.
public enum WatchFault: Sendable, Equatable {
    /// Abort the connection mid-stream after this many events.
    case dropAfter(events: Int)
    /// After this many events, send nothing more (no events, no bookmarks) until the watch times out.
    case stallAfter(events: Int)
    /// After this many events, send a line that is not JSON, then continue normally.
    case garbageAfter(events: Int)
    /// After this many events, send the first half of the next event and end the stream (a truncating proxy).
    case halfLineAfter(events: Int)
    /// Answer with an HTTP 410 `Status` instead of a stream (as for a too-old resourceVersion on some paths).
    case expiredAsHTTPStatus
    /// Answer with an ERROR watch event carrying a 410 `Expired` Status, then close.
    case expiredAsEvent
}

/// A failure returned for the next requests that match.
public struct RequestFault: Sendable, Equatable {
    /// HTTP status code (500, 429, 503, …).
    public var code: Int
    /// `Retry-After` header value in seconds.
    public var retryAfterSeconds: Int?
    /// Only requests whose path contains this string are affected.
    public var pathContains: String?
    /// Only watch requests (`true`), only non-watch requests (`false`), or both (`nil`).
    public var watchOnly: Bool?
    /// Only requests with this HTTP method (`POST`, `PATCH`, …); any method when `nil`.
    public var method: String?

    public init(code: Int, retryAfterSeconds: Int? = nil, pathContains: String? = nil, watchOnly: Bool? = nil,
                method: String? = nil) {
        self.code = code
        self.retryAfterSeconds = retryAfterSeconds
        self.pathContains = pathContains
        self.watchOnly = watchOnly
        self.method = method
    }

    /// The `Status` reason and message the real API server sends with `code`.
    var status: (reason: String, message: String) {
        switch code {
        case 403: ("Forbidden", "forbidden: injected fault")
        case 409: ("Conflict", "Operation cannot be fulfilled: the object has been modified; please apply your changes to the latest version and try again")
        case 422: ("Invalid", "the object is invalid: injected fault")
        case 429: ("TooManyRequests", "Too many requests, please try again later.")
        case 503: ("ServiceUnavailable", "Internal error occurred: injected fault")
        default: ("InternalError", "Internal error occurred: injected fault")
        }
    }
}

/// One request KubeSim served, with the time it arrived, for assertions on retry timing.
public struct SimRequest: Sendable {
    public var method: String
    public var path: String
    public var query: [String: String]
    public var arrived: ContinuousClock.Instant
    public var code: Int
    public var isWatch: Bool { query["watch"] == "true" || query["watch"] == "1" }
}
