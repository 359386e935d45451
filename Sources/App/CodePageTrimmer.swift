import Actors
import Synchronization

/// Drops the executable's code pages (`ExecutableResidency.trimCodePages`) once a burst of
/// work is over: 2 s after the first list, and 2 s after the last capture started, stopped,
/// waited, failed or reported progress.
///
/// Starting or stopping captures runs code (spawning, /proc scans, reports, API writes) that a
/// quiet controller does not need resident; the kernel's 64 KB fault-around leaves far more of
/// it mapped than ran. These pages are clean and file-backed (the page cache keeps them), so
/// dropping them loses nothing: what runs again faults back in as minor faults.
final class CodePageTrimmer: CaptureReporter {
    private struct State {
        /// Bumped by every `schedule()`; the timer trims only if no newer one came meanwhile.
        var generation = 0
        var timerRunning = false
    }

    private let state = Mutex(State())
    private let quiet: Duration

    init(quiet: Duration = .seconds(2)) { self.quiet = quiet }

    func report(_ report: CaptureReport) {
        switch report.change {
        // A round of progress ticks (tcpdump's counters asked for, statuses written when they
        // changed) is a burst too: with 100 captures it faulted in ~10 MB of code (signals,
        // parsing, the API client) that nothing else needs until the next round. A retry of a
        // waiting or failed capture writes its status too.
        case .started, .stopped, .progress, .waiting, .failed: schedule()
        default: break
        }
    }

    /// Trims once `quiet` has passed without another call.
    func schedule() {
        let start = state.withLock { state -> Bool in
            state.generation += 1
            defer { state.timerRunning = true }
            return !state.timerRunning
        }
        guard start else { return }
        // One timer task at a time, unstructured: it must not hold up the report that woke it,
        // and it ends by itself after one quiet period.
        Task { [self] in
            while true {
                let seen = state.withLock { $0.generation }
                try? await Task.sleep(for: quiet)
                let done = state.withLock { state -> Bool in
                    guard state.generation == seen else { return false }
                    state.timerRunning = false
                    return true
                }
                if done { break }
            }
            ExecutableResidency.trimCodePages()
        }
    }
}
