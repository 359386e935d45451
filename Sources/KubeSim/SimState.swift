#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The resources KubeSim stores.
enum SimResource: String, Sendable {
    case pods
    case events
}

/// One change in the bounded history that watches replay.
struct SimChange: Sendable {
    var rv: Int
    var resource: SimResource
    var type: String
    var object: JSONValue
    /// The object before a MODIFIED, to turn selector transitions into ADDED/DELETED like the real server.
    var previous: JSONValue?
}

/// Everything KubeSim knows, guarded by one lock in ``KubeSim``.
struct SimState: Sendable {
    var rv = 1000
    var objects: [SimResource: [String: JSONValue]] = [:]
    var history: [SimChange] = []
    /// History holds every change with rv > compactedRV.
    var compactedRV = 1000
    var historyLimit: Int
    var tokens: Set<String>
    var eventsV1Served = true
    var watchFaults: [WatchFault] = []
    var requestFaults: [RequestFault] = []
    var requests: [SimRequest] = []
    var bookmarkGeneration = 0
    var dropGeneration = 0
    /// Bumped on every change, request and trigger, so waiters can tell something happened.
    var generation = 0
    var bookmarkInterval: Duration
    var waiters: [UInt64: CheckedContinuation<Void, Never>] = [:]
    var cancelledWaiters: Set<UInt64> = []
    var nextWaiter: UInt64 = 0
    var shuttingDown = false
    var openWatches = 0
    /// Snapshots behind `continue` tokens: id → (rv, remaining sorted items).
    var snapshots: [Int: (rv: Int, items: [JSONValue])] = [:]
    var nextSnapshot = 1

    init(historyLimit: Int, tokens: Set<String>, bookmarkInterval: Duration) {
        self.historyLimit = historyLimit
        self.tokens = tokens
        self.bookmarkInterval = bookmarkInterval
    }

    mutating func nextRV() -> Int {
        rv += 1
        return rv
    }

    /// Appends to history, evicting the oldest beyond the limit, and returns the waiters to wake.
    mutating func record(_ change: SimChange) -> [CheckedContinuation<Void, Never>] {
        history.append(change)
        if history.count > historyLimit {
            let drop = history.count - historyLimit
            compactedRV = history[drop - 1].rv
            history.removeFirst(drop)
        }
        return takeWaiters()
    }

    mutating func takeWaiters() -> [CheckedContinuation<Void, Never>] {
        generation += 1
        let w = Array(waiters.values)
        waiters.removeAll()
        return w
    }
}
