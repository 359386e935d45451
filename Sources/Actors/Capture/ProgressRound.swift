/// When a running capture next asks tcpdump for its counters.
///
/// Every capture ticks on one grid, multiples of the interval on the Supervisor's clock,
/// instead of `interval` after its own start: the node's captures then take their counters,
/// and write the statuses those changed, in one short round, and the controller is quiet until
/// the next one (the code-page trim runs in that quiet). Ticks spread over the interval kept
/// the status-write path busy, and resident, all the time.
public enum ProgressRound {
    /// The time from `now` to the next grid point at least half an interval away, so a capture
    /// that has just started (or just ticked) waits before its first (or next) round.
    public static func delay(now: Duration, interval: Duration) -> Duration {
        let step = nanoseconds(interval)
        guard step > 0 else { return interval }
        let at = nanoseconds(now)
        var next = (at / step + 1) * step
        if next - at < step / 2 { next += step }
        return .nanoseconds(next - at)
    }

    private static func nanoseconds(_ duration: Duration) -> Int64 {
        let (seconds, attoseconds) = duration.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
