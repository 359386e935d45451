import KubeModel
import ServiceLifecycle

/// The Pods of this Node as an `AsyncSequence` of `PodEvent`s, fed by a `PodSource`.
///
/// `run()` (the `Service` side) drives the source; iteration (the Supervisor side) drains a
/// bounded buffer, so a slow Supervisor slows the watch down instead of growing memory.
/// On graceful shutdown the watch stops and the sequence ends.
public struct PodWatcher: Service, AsyncSequence {
    public typealias Element = PodEvent

    private let source: any PodSource
    private let channel: BoundedChannel<PodEvent>

    /// - Parameter bufferSize: events held between the watch and the Supervisor.
    public init(source: any PodSource, bufferSize: Int = 256) {
        self.source = source
        self.channel = BoundedChannel(capacity: bufferSize)
    }

    public func run() async throws {
        let channel = self.channel
        do {
            try await cancelWhenGracefulShutdown {
                try await source.run { event in try await channel.send(event) }
            }
            channel.finish()
        } catch is CancellationError {
            channel.finish()
        } catch {
            channel.finish(throwing: error)
            throw error
        }
    }

    public func makeAsyncIterator() -> Iterator { Iterator(channel: channel) }

    /// Iterates the events; one iterator per watcher.
    public struct Iterator: AsyncIteratorProtocol {
        let channel: BoundedChannel<PodEvent>
        public mutating func next() async throws -> PodEvent? { try await channel.next() }
    }
}
