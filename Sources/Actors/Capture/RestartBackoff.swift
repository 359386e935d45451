/// Capped exponential backoff for restarting a capture whose process died or could not start.
///
/// The delay doubles from `initial` up to `cap`; a process that stayed up for `healthyAfter`
/// counts as healthy, so its next failure starts again from `initial`.
public struct RestartBackoff: Sendable, Hashable {
    public var initial: Duration
    public var cap: Duration
    public var healthyAfter: Duration
    /// Consecutive failures so far.
    public private(set) var failures = 0

    public init(initial: Duration = .seconds(1), cap: Duration = .seconds(60), healthyAfter: Duration = .seconds(60)) {
        self.initial = initial
        self.cap = cap
        self.healthyAfter = healthyAfter
    }

    /// Records a failure after the process ran for `uptime` (`nil`: it never started) and
    /// returns how long to wait before the next attempt.
    public mutating func failure(uptime: Duration?) -> Duration {
        if let uptime, uptime >= healthyAfter { failures = 0 }
        var delay = initial
        for _ in 0..<min(failures, 32) where delay < cap { delay *= 2 }
        failures += 1
        return min(delay, cap)
    }
}
