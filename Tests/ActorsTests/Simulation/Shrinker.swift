/// Finds a short event sequence that still fails, by delta debugging (ddmin) over steps.
///
/// Every subsequence of a simulation run is itself a valid run (steps on absent Pods do
/// nothing), so removing chunks and re-running is always meaningful.
enum Shrinker {
    static func shrink(_ events: [SimulationEvent], budget: Duration = .seconds(30),
                       fails: ([SimulationEvent]) async -> Bool) async -> [SimulationEvent] {
        let deadline = ContinuousClock.now + budget
        var current = events
        var chunks = 2
        while current.count >= 2, ContinuousClock.now < deadline {
            let size = (current.count + chunks - 1) / chunks
            var reduced = false
            var start = 0
            while start < current.count, ContinuousClock.now < deadline {
                var candidate = current
                candidate.removeSubrange(start..<min(start + size, current.count))
                if !candidate.isEmpty, await fails(candidate) {
                    current = candidate
                    chunks = max(chunks - 1, 2)
                    reduced = true
                } else {
                    start += size
                }
            }
            if !reduced {
                if size == 1 { break }
                chunks = min(chunks * 2, current.count)
            }
        }
        return current
    }
}
