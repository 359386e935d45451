/// Monotonic time as the capture logic sees it; the simulations substitute a manual clock.
public protocol CaptureClock: Sendable {
    /// Time since an arbitrary fixed origin.
    var now: Duration { get }
    /// Suspends for `duration`; throws `CancellationError` when the task is cancelled first.
    func sleep(for duration: Duration) async throws
}

/// `ContinuousClock`, the production clock.
public struct SystemCaptureClock: CaptureClock {
    private let origin = ContinuousClock.now
    public init() {}
    public var now: Duration { ContinuousClock.now - origin }
    public func sleep(for duration: Duration) async throws { try await Task.sleep(for: duration) }
}
