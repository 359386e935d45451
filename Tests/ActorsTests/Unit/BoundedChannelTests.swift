@testable import Actors
import Synchronization
import Testing

@Suite("bounded channel")
struct BoundedChannelTests {
    @Test func senderWaitsWhileFullAndOrderIsKept() async throws {
        let channel = BoundedChannel<Int>(capacity: 2)
        let sent = SentCounter()
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for i in 0..<5 {
                    try await channel.send(i)
                    sent.value.withLock { $0 += 1 }
                }
                channel.finish()
            }
            // Wait (by polling the channel's own state, not the clock) until the producer is parked.
            while sent.value.withLock({ $0 }) < 2 { await Task.yield() }
            for _ in 0..<100 { await Task.yield() }
            #expect(sent.value.withLock { $0 } == 2, "a full channel must hold the producer back")
            var received: [Int] = []
            while let value = try await channel.next() { received.append(value) }
            #expect(received == [0, 1, 2, 3, 4])
            try await group.waitForAll()
        }
    }

    @Test func finishWithErrorReachesTheConsumerAfterBufferedElements() async throws {
        struct Boom: Error {}
        let channel = BoundedChannel<Int>(capacity: 4)
        try await channel.send(1)
        channel.finish(throwing: Boom())
        #expect(try await channel.next() == 1)
        await #expect(throws: Boom.self) { try await channel.next() }
    }

    @Test func cancellingABlockedSenderReleasesIt() async throws {
        let channel = BoundedChannel<Int>(capacity: 1)
        try await channel.send(0)
        let task = Task { try await channel.send(1) }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(!channel.tryYield(2), "still full")
    }

    @Test func consumerGoneReleasesTheProducer() async throws {
        let channel = BoundedChannel<Int>(capacity: 1)
        try await channel.send(0)
        channel.consumerFinished()
        await #expect(throws: CancellationError.self) { try await channel.send(1) }
    }
}

private final class SentCounter: Sendable {
    let value = Mutex(0)
}
