import Actors
import Testing

@Suite("progress rounds")
struct ProgressRoundTests {
    @Test("captures started at different times tick at the same instants",
          arguments: [Duration.zero, .milliseconds(1), .seconds(3), .milliseconds(4_999), .seconds(5), .milliseconds(9_999)])
    func ticksLandOnTheGrid(started: Duration) {
        let interval = Duration.seconds(10)
        let first = started + ProgressRound.delay(now: started, interval: interval)
        #expect(first == .seconds(10) || first == .seconds(20))
        let second = first + ProgressRound.delay(now: first, interval: interval)
        #expect(second == first + interval)
    }

    @Test func aCaptureWaitsAtLeastHalfAnIntervalBeforeItsFirstRound() {
        let interval = Duration.seconds(10)
        for started in stride(from: 0, through: 30_000, by: 250).map({ Duration.milliseconds($0) }) {
            let delay = ProgressRound.delay(now: started, interval: interval)
            #expect(delay >= .seconds(5) && delay <= .seconds(15), "started at \(started): \(delay)")
        }
    }

    @Test func aTickLateByAFewMillisecondsKeepsTheGrid() {
        // A wake-up that comes late still lands the next tick on the grid, not one interval later.
        #expect(ProgressRound.delay(now: .milliseconds(10_004), interval: .seconds(10)) == .milliseconds(9_996))
    }

    @Test func aZeroIntervalIsNotDividedBy() {
        #expect(ProgressRound.delay(now: .seconds(7), interval: .zero) == .zero)
    }
}
