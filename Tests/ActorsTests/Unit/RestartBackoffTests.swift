@testable import Actors
import Testing

@Test func backoffDoublesToTheCapAndResetsAfterHealthyRun() {
    var backoff = RestartBackoff(initial: .seconds(1), cap: .seconds(8), healthyAfter: .seconds(60))
    let delays = (0..<6).map { _ in backoff.failure(uptime: .seconds(1)) }
    #expect(delays == [.seconds(1), .seconds(2), .seconds(4), .seconds(8), .seconds(8), .seconds(8)])
    #expect(backoff.failure(uptime: .seconds(61)) == .seconds(1))
    #expect(backoff.failure(uptime: nil) == .seconds(2))
}
