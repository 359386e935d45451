import Synchronization

/// Shared between the stream reader and the idle watchdog of one watch request.
final class WatchProgress: Sendable {
    private struct State {
        var resourceVersion: String
        var lastActivity: ContinuousClock.Instant
        /// The reader is waiting on the consumer (`emit`); that is back-pressure, not a stall.
        var busy = false
    }

    private let state: Mutex<State>

    init(resourceVersion: String) {
        state = Mutex(State(resourceVersion: resourceVersion, lastActivity: .now))
    }

    var resourceVersion: String {
        get { state.withLock { $0.resourceVersion } }
        set { state.withLock { $0.resourceVersion = newValue } }
    }

    func touch() { state.withLock { $0.lastActivity = .now } }

    func setBusy(_ busy: Bool) {
        state.withLock {
            $0.busy = busy
            $0.lastActivity = .now
        }
    }

    func isStalled(idle: Duration) -> Bool {
        state.withLock { !$0.busy && ContinuousClock.now - $0.lastActivity >= idle }
    }
}
