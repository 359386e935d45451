/// Capped exponential backoff with jitter, as client-go's reflector uses for list/watch failures.
public struct BackoffPolicy: Sendable, Equatable {
    /// First delay.
    public var initial: Duration
    /// Ceiling for the delay before jitter.
    public var maximum: Duration
    /// Growth per consecutive failure.
    public var multiplier: Double
    /// Up to this fraction of the delay is added at random, so that many nodes don't retry in step.
    public var jitter: Double
    /// A failure more than this long after the previous one starts again from ``initial``.
    public var resetAfter: Duration

    public init(
        initial: Duration = .milliseconds(800), maximum: Duration = .seconds(30), multiplier: Double = 2,
        jitter: Double = 1.0, resetAfter: Duration = .seconds(120)
    ) {
        self.initial = initial
        self.maximum = maximum
        self.multiplier = multiplier
        self.jitter = jitter
        self.resetAfter = resetAfter
    }
}

/// The mutable state of one backoff sequence.
struct Backoff {
    let policy: BackoffPolicy
    private var step: Duration?
    private var lastFailure: ContinuousClock.Instant?

    init(policy: BackoffPolicy) { self.policy = policy }

    /// The delay before the next attempt; `retryAfter` (from the server) is a floor.
    mutating func nextDelay(now: ContinuousClock.Instant = .now, retryAfter: Duration? = nil) -> Duration {
        if let last = lastFailure, now - last > policy.resetAfter { step = nil }
        lastFailure = now
        let base: Duration
        if let step {
            let grown = step * policy.multiplier
            base = grown > policy.maximum ? policy.maximum : grown
        } else {
            base = policy.initial
        }
        step = base
        var delay = base + base * (Double.random(in: 0...1) * policy.jitter)
        if delay > policy.maximum && base <= policy.maximum { delay = max(base, policy.maximum) }
        if let retryAfter, retryAfter > delay { delay = retryAfter }
        return delay
    }
}
