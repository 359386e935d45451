/// One step of a simulation, chosen by the seeded generator and applied to the model.
///
/// Steps name a Pod *slot*, not a Pod: a slot holds at most one Pod at a time, and a
/// re-created Pod takes the slot's name with a new UID. Steps on an empty slot do nothing,
/// so any subsequence of a run is a valid run, which is what shrinking needs.
enum SimulationEvent: Hashable, CustomStringConvertible {
    case annotate(slot: Int, value: String)
    case removeAnnotation(slot: Int)
    case deletePod(slot: Int)
    case terminatePod(slot: Int)
    case recreatePod(slot: Int)
    case restartContainer(slot: Int)
    case crashProcess(slot: Int)
    case failNextStart(slot: Int)
    case duplicate(slot: Int)
    case stale(slot: Int)
    case moveNode(slot: Int)
    case advanceClock(milliseconds: Int)
    case resync

    var description: String {
        switch self {
        case .annotate(let slot, let value): "annotate(\(slot), \"\(value)\")"
        case .removeAnnotation(let slot): "removeAnnotation(\(slot))"
        case .deletePod(let slot): "deletePod(\(slot))"
        case .terminatePod(let slot): "terminatePod(\(slot))"
        case .recreatePod(let slot): "recreatePod(\(slot))"
        case .restartContainer(let slot): "restartContainer(\(slot))"
        case .crashProcess(let slot): "crashProcess(\(slot))"
        case .failNextStart(let slot): "failNextStart(\(slot))"
        case .duplicate(let slot): "duplicate(\(slot))"
        case .stale(let slot): "stale(\(slot))"
        case .moveNode(let slot): "moveNode(\(slot))"
        case .advanceClock(let ms): "advanceClock(\(ms)ms)"
        case .resync: "resync"
        }
    }
}

/// SplitMix64: small, fast, and the same sequence on every platform for a given seed.
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

extension SimulationEvent {
    /// `count` random steps over `slots` Pod slots, with a bias towards the steps that stress
    /// the Supervisor (annotation churn) over background noise.
    static func generate(seed: UInt64, slots: Int, count: Int, maxFiles: Int) -> [SimulationEvent] {
        var rng = SeededGenerator(seed: seed)
        // Annotation churn falls mostly on a small hot set, as on a real node where a few Pods
        // are being debugged among many; everything else hits any Pod. So conflicts, queueing
        // and re-queues happen, while the desired set stays a realistic fraction of the Pods.
        let hot = max(1, slots / 20)
        func slot() -> Int { Int.random(in: 0..<slots, using: &rng) }
        func annotatedSlot() -> Int {
            Int.random(in: 0..<100, using: &rng) < 99 ? Int.random(in: 0..<hot, using: &rng) : Int.random(in: 0..<slots, using: &rng)
        }
        let invalid = ["", "abc", "0", "-1", " 5", "5.0", "1e3", "\(maxFiles + 1)", "99999999999999999999"]
        var events: [SimulationEvent] = []
        events.reserveCapacity(count)
        for _ in 0..<count {
            let roll = Int.random(in: 0..<100, using: &rng)
            let event: SimulationEvent = switch roll {
            case 0..<30: .annotate(slot: annotatedSlot(), value: String(Int.random(in: 1...min(maxFiles, 12), using: &rng)))
            case 30..<33: .annotate(slot: annotatedSlot(), value: invalid.randomElement(using: &rng)!)
            case 33..<48: .removeAnnotation(slot: annotatedSlot())
            case 48..<53: .deletePod(slot: slot())
            case 53..<56: .terminatePod(slot: slot())
            case 56..<63: .recreatePod(slot: slot())
            case 63..<67: .restartContainer(slot: slot())
            case 67..<73: .crashProcess(slot: slot())
            case 73..<75: .failNextStart(slot: slot())
            case 75..<81: .duplicate(slot: slot())
            case 81..<86: .stale(slot: slot())
            case 86..<89: .moveNode(slot: slot())
            case 89..<99: .advanceClock(milliseconds: Int.random(in: 100...20_000, using: &rng))
            default: .resync
            }
            events.append(event)
        }
        return events
    }
}
