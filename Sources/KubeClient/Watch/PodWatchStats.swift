import Synchronization

/// Counters of a ``PodListWatcher``, for metrics and `/readyz`.
public struct PodWatchStats: Sendable, Equatable {
    /// The first list completed and was emitted as `.resynced`.
    public var synced = false
    /// Successful lists, including the first.
    public var lists = 0
    /// Lists after the first (410 Gone).
    public var relists = 0
    /// Watch requests started after the first.
    public var reconnects = 0
    /// Watch ERROR events or HTTP responses with 410.
    public var expired = 0
    /// Failed list/watch requests (HTTP errors, transport errors, too-short watches).
    public var failures = 0
    /// Lines that did not decode, including a half line at the end of a stream.
    public var decodeErrors = 0
    /// Watches ended by the idle deadline.
    public var stalls = 0
    /// ADDED/MODIFIED/DELETED events emitted.
    public var events = 0
    /// BOOKMARK events seen.
    public var bookmarks = 0
    /// The resourceVersion the next watch resumes from.
    public var resourceVersion: String?

    public init() {}
}

/// What just happened inside a ``PodListWatcher``, for an observer that turns it into metrics.
public enum PodWatchIncident: Sendable, Equatable {
    case listed(pods: Int, relist: Bool)
    /// The initial list was delivered to the consumer.
    case synced
    case event
    case bookmark
    case expired
    case reconnect
    case failure(String)
    case decodeError(String)
    case stall
    case backoff(Duration)
}

/// Receives every ``PodWatchIncident`` with the counters after it (called inline; keep it cheap).
public protocol PodWatchObserver: Sendable {
    func podWatch(_ incident: PodWatchIncident, stats: PodWatchStats)
}

/// Shared, thread-safe view of a watcher's ``PodWatchStats``.
public final class PodWatchStatus: Sendable {
    private let state = Mutex(PodWatchStats())
    private let observer: (any PodWatchObserver)?

    public init(observer: (any PodWatchObserver)? = nil) {
        self.observer = observer
    }

    /// A copy of the counters now.
    public var stats: PodWatchStats { state.withLock { $0 } }

    /// `true` once the initial list was delivered: the signal for `/readyz`.
    public var isSynced: Bool { state.withLock { $0.synced } }

    func record(_ incident: PodWatchIncident, _ update: (inout PodWatchStats) -> Void) {
        let snapshot = state.withLock { s -> PodWatchStats in
            update(&s)
            return s
        }
        observer?.podWatch(incident, stats: snapshot)
    }
}
