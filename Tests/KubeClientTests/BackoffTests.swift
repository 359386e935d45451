@testable import KubeClient
import KubeSim
import Synchronization
import TestSupport
import Testing

/// The retry schedule of the list/watch, asserted as logic: injected randomness, and a watcher
/// whose "sleep" records the delay and returns at once (virtual time), so nothing here waits.
@Suite("Backoff")
struct BackoffTests {
    let policy = BackoffPolicy(initial: .milliseconds(100), maximum: .seconds(30), unreachableMaximum: .milliseconds(400),
                               multiplier: 2, jitter: 0.5)

    private func delays(_ backoff: inout Backoff, _ failures: [Backoff.Failure]) -> [Duration] {
        failures.map { backoff.nextDelay(after: $0) }
    }

    @Test func answeredFailuresGrowExponentiallyToTheCap() {
        var backoff = Backoff(policy: policy, random: { 0 })
        let got = delays(&backoff, Array(repeating: .answered(retryAfter: nil), count: 12))
        #expect(got == [0.1, 0.2, 0.4, 0.8, 1.6, 3.2, 6.4, 12.8, 25.6, 30, 30, 30].map { Duration.milliseconds(Int($0 * 1000)) })
    }

    @Test func anUnreachableServerIsProbedWithinTheShortCapForAsLongAsItIsDown() {
        var backoff = Backoff(policy: policy, random: { 0 })
        let got = delays(&backoff, Array(repeating: .unreachable, count: 200))
        #expect(Array(got.prefix(4)) == [.milliseconds(100), .milliseconds(200), .milliseconds(400), .milliseconds(400)])
        #expect(got.allSatisfy { $0 <= .milliseconds(400) }, "a server listening again is tried within 400 ms, however long it was down")
    }

    @Test func jitterOnlyShortensAndStaysWithinItsFraction() {
        var low = Backoff(policy: policy, random: { 0.999_999 })
        var high = Backoff(policy: policy, random: { 0 })
        for failure in [Backoff.Failure.answered(retryAfter: nil), .unreachable, .answered(retryAfter: nil)] {
            let (l, h) = (low.nextDelay(after: failure), high.nextDelay(after: failure))
            #expect(l <= h && l >= h * 0.5, "\(l) vs \(h)")
        }
    }

    @Test func successResetsBothSchedulesAndReachableOnlyTheProbe() {
        var backoff = Backoff(policy: policy, random: { 0 })
        _ = delays(&backoff, [.answered(retryAfter: nil), .answered(retryAfter: nil), .unreachable, .unreachable])
        backoff.reachable()
        #expect(backoff.nextDelay(after: .unreachable) == .milliseconds(100))
        #expect(backoff.nextDelay(after: .answered(retryAfter: nil)) == .milliseconds(400),
                "a server that answers but fails keeps backing off")
        backoff.succeeded()
        #expect(delays(&backoff, [.answered(retryAfter: nil), .unreachable]) == [.milliseconds(100), .milliseconds(100)])
    }

    @Test func retryAfterIsAFloor() {
        var backoff = Backoff(policy: policy, random: { 0 })
        #expect(backoff.nextDelay(after: .answered(retryAfter: .seconds(3))) == .seconds(3))
        #expect(backoff.nextDelay(after: .answered(retryAfter: .milliseconds(1))) == .milliseconds(200))
    }

    /// Issue 13, item 6: an API server down for 10 s is listed again at most 400 ms (virtual) after
    /// it listens again; before, the delay had grown to seconds (and the HTTP pool added its own).
    @Test func aRecoveredServerIsRetriedWithinTheProbeCap() async throws {
        let port = try await Self.freePort()
        let recorder = DelayRecorder()
        let failures = FailureLog()
        let sim = Box<KubeSim>()
        let outage = Duration.seconds(10)
        let options = PodListWatcher.Options(
            timeoutSeconds: 30...30, minHealthyWatch: .milliseconds(100), backoff: BackoffPolicy(jitter: 0),
            sleep: { delay in
                // Virtual time: the server comes back once the delays slept add up to the outage.
                if recorder.append(delay) >= outage, sim.value == nil {
                    let started = try await KubeSim.start(KubeSim.Options(port: port))
                    sim.value = started
                }
            })
        let client = try KubernetesClient(config: KubeConfig(server: "http://127.0.0.1:\(port)", token: .literal("kubesim-token"),
                                                             source: "test"))
        let events = EventCollector()
        do {
            let watcher = PodListWatcher(client: client, nodeName: "node-1", options: options,
                                         status: PodWatchStatus(observer: failures))
            try await withRunningSource(watcher, into: events) {
                #expect(await events.wait { !$0.isEmpty }, "the first list arrives once the server is back")
            }
            let slept = recorder.delays
            #expect(slept.allSatisfy { $0 <= .milliseconds(400) }, "\(slept)")
            #expect(slept.reduce(.zero, +) < outage + .milliseconds(400), "listed within 400 ms of the server's return")
            #expect(failures.descriptions.allSatisfy { $0.hasPrefix("unreachable:") }, "\(failures.descriptions)")
            let requests = try #require(sim.value).requests()
            #expect(requests.first?.path == "/api/v1/pods" && requests.first?.code == 200,
                    "the first attempt after the return succeeds")
        } catch {
            try? await client.shutdown()
            await sim.value?.shutdown()
            throw error
        }
        try await client.shutdown()
        await sim.value?.shutdown()
    }

    /// A server that answers with errors is backed off exponentially, and one success resets it.
    @Test func aFailingServerIsBackedOffExponentially() async throws {
        try await withKubeSim { sim in
            sim.failNextRequests(5, with: RequestFault(code: 500, pathContains: "/pods", watchOnly: false))
            let recorder = DelayRecorder()
            let options = PodListWatcher.Options(timeoutSeconds: 30...30, minHealthyWatch: .milliseconds(100),
                                                 backoff: BackoffPolicy(jitter: 0), sleep: { recorder.append($0) })
            let client = try KubernetesClient(config: sim.clientConfig())
            let events = EventCollector()
            do {
                try await withRunningSource(PodListWatcher(client: client, nodeName: "node-1", options: options), into: events) {
                    #expect(await events.wait { !$0.isEmpty })
                }
            } catch {
                try? await client.shutdown()
                throw error
            }
            try await client.shutdown()
            #expect(recorder.delays == [100, 200, 400, 800, 1600].map { Duration.milliseconds($0) })
        }
    }

    /// A port nothing listens on (a KubeSim's, after it stopped).
    static func freePort() async throws -> Int {
        let sim = try await KubeSim.start()
        let port = Int(sim.url.split(separator: ":").last ?? "") ?? 0
        await sim.shutdown()
        return port
    }
}

/// Delays a watcher asked to sleep, in order.
final class DelayRecorder: Sendable {
    private let state = Mutex<[Duration]>([])
    var delays: [Duration] { state.withLock { $0 } }

    /// Records `delay`; returns the sum so far.
    @discardableResult
    func append(_ delay: Duration) -> Duration {
        state.withLock { d in
            d.append(delay)
            return d.reduce(.zero, +)
        }
    }
}

/// Failure descriptions a watcher reported.
final class FailureLog: PodWatchObserver {
    private let state = Mutex<[String]>([])
    var descriptions: [String] { state.withLock { $0 } }
    func podWatch(_ incident: PodWatchIncident, stats: PodWatchStats) {
        if case .failure(let description) = incident { state.withLock { $0.append(description) } }
    }
}

/// A value set from one task and read from another.
final class Box<Value: Sendable>: Sendable {
    private let state = Mutex<Value?>(nil)
    var value: Value? {
        get { state.withLock { $0 } }
        set { state.withLock { $0 = newValue } }
    }
}
