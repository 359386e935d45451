import Synchronization

/// SplitMix64: the soak's randomness comes from one printed seed, so a failing run can be
/// replayed with `PODCAP_SOAK_SEED=<seed>` (the same operations in the same order; podcap's
/// timing, and so the interleaving, still varies).
struct SeededGenerator: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// What the soak has asked of the API server, per Pod name: the truth podcap must converge to.
struct SoakPod: Sendable {
    var name: String
    /// The sandbox Pod backing it (its container ID, IP and network namespace).
    var sandbox: Int
    var exists = true
    /// The annotation's N; `nil` when not annotated.
    var files: Int?
    /// Seconds since boot (`ProcessProbe.uptime()`) just before the last request about this Pod
    /// was sent: a tcpdump of it that started earlier belongs to an older request.
    var lastChange: Double
    /// tcpdumps of the current request killed so far (a new request starts a fresh backoff).
    var kills = 0

    /// Whether a capture is wanted: the Pod exists and is annotated.
    var desiredFiles: Int? { exists ? files : nil }
}

/// The soak's shared state: the model (written by the workload, read by the monitor), the
/// violations the monitor found and the resource samples. Guarded by one Mutex; every access
/// is a short copy in or out.
final class SoakState: Sendable {
    struct Sample: Sendable {
        /// Seconds since the controller was launched.
        var elapsed: Double
        var fds: Int
        var rssKiB: Int
    }

    struct Contents: Sendable {
        var pods: [SoakPod]
        var violations: [String] = []
        var samples: [Sample] = []
        var operations: [String: Int] = [:]
        var failedOperations: [String] = []
    }

    private let contents: Mutex<Contents>

    init(pods: [SoakPod]) { contents = Mutex(Contents(pods: pods)) }

    func read<T: Sendable>(_ body: (Contents) -> T) -> T { contents.withLock { body($0) } }
    func update<T: Sendable>(_ body: (inout Contents) -> T) -> T { contents.withLock { body(&$0) } }

    /// Records a violation once (the monitor sees a lasting one every second).
    func violation(_ message: String) {
        update { c in
            if !c.violations.contains(message) { c.violations.append(message) }
        }
    }
}

/// min / median / max of a minute of samples.
struct Spread: Sendable, CustomStringConvertible {
    var min: Int
    var median: Int
    var max: Int

    init?(_ values: [Int]) {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        min = sorted[0]
        median = sorted[sorted.count / 2]
        max = sorted[sorted.count - 1]
    }

    var description: String { "min \(min) / median \(median) / max \(max)" }
}
