/// Retry delays for requests to the API server, with two schedules chosen by what the failure
/// says about the server.
///
/// - The server **answered** with an error (429, 5xx, a watch it closed at once): it is up but
///   struggling, and every retry costs it work. Capped exponential backoff: ``initial``, growing
///   by ``multiplier`` per consecutive answered failure up to ``maximum``; `Retry-After` is a floor.
///   (client-go's reflector: 800 ms doubling to 30 s.)
/// - The server was **unreachable** (nothing accepted the connection): an attempt costs it
///   nothing, so keep probing at ``initial`` growing only to ``unreachableMaximum``. A server
///   that comes back is found within that bound of it listening again, instead of after
///   whatever long delay the outage had grown to.
///
/// Any success resets both schedules: the next failure starts again from ``initial``. Each delay
/// is drawn from `[(1 − jitter) · d, d]`, so nodes that failed together spread out while the
/// bound `d` still holds.
public struct BackoffPolicy: Sendable, Equatable {
    /// First delay of either schedule.
    public var initial: Duration
    /// Ceiling of the delay after answered failures.
    public var maximum: Duration
    /// Ceiling of the delay while the server is unreachable.
    public var unreachableMaximum: Duration
    /// Growth per consecutive failure.
    public var multiplier: Double
    /// Fraction of each delay taken off at random (0: exact delays, 1: anywhere in `[0, d]`).
    public var jitter: Double

    public init(
        initial: Duration = .milliseconds(100), maximum: Duration = .seconds(30),
        unreachableMaximum: Duration = .milliseconds(400), multiplier: Double = 2, jitter: Double = 0.5
    ) {
        self.initial = initial
        self.maximum = maximum
        self.unreachableMaximum = unreachableMaximum
        self.multiplier = multiplier
        self.jitter = jitter
    }
}

/// The mutable state of one backoff sequence (one list/watch loop).
struct Backoff {
    /// What a failed attempt tells about the server.
    enum Failure: Equatable {
        /// It answered: an HTTP error, a decode error, a watch it closed at once.
        case answered(retryAfter: Duration?)
        /// Nothing answered: the connection could not be made.
        case unreachable
    }

    let policy: BackoffPolicy
    /// Uniform in `0..<1`; injected by tests.
    private let random: () -> Double
    private var answeredStep: Duration?
    private var unreachableStep: Duration?

    init(policy: BackoffPolicy, random: @escaping () -> Double = { Double.random(in: 0..<1) }) {
        self.policy = policy
        self.random = random
    }

    /// The delay before the next attempt after `failure`.
    mutating func nextDelay(after failure: Failure) -> Duration {
        let base: Duration
        switch failure {
        case .answered:
            base = Self.grow(answeredStep, policy: policy, cap: policy.maximum)
            answeredStep = base
        case .unreachable:
            base = Self.grow(unreachableStep, policy: policy, cap: min(policy.unreachableMaximum, policy.maximum))
            unreachableStep = base
        }
        let jitter = min(max(policy.jitter, 0), 1)
        var delay = base - base * (jitter * random())
        if case .answered(let retryAfter?) = failure, retryAfter > delay { delay = retryAfter }
        return delay
    }

    /// A request succeeded: the next failure, of either kind, starts from `initial`.
    mutating func succeeded() {
        answeredStep = nil
        unreachableStep = nil
    }

    /// The server accepted a connection and answered: should it become unreachable again, probing
    /// starts from `initial`; answered failures keep growing until a request succeeds.
    mutating func reachable() {
        unreachableStep = nil
    }

    private static func grow(_ step: Duration?, policy: BackoffPolicy, cap: Duration) -> Duration {
        guard let step else { return min(policy.initial, cap) }
        let grown = step * policy.multiplier
        return grown > cap ? cap : grown
    }
}
