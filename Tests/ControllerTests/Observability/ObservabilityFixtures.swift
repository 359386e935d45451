import Actors
import Controller
import Logging
import ServiceLifecycle
import Synchronization
import Testing

/// Shared helpers for the observability tests.
enum ObservabilityFixtures {
    static let pod = PodRef(namespace: "team-a", name: "web-1", uid: "uid-web-1")
    static let other = PodRef(namespace: "team-b", name: "db-0", uid: "uid-db-0")
    static let container = CaptureTarget.Container(name: "app", containerID: "containerd://abc")
    static let quiet = Logger(label: "test") { _ in SwiftLogNoOpLogHandler() }

    static func started(_ pod: PodRef = pod, attempt: Int, at: ContinuousClock.Instant = .now) -> CaptureReport {
        CaptureReport(pod: pod, change: .started(pid: 4242, container: container,
                                                 files: ["/capture/\(pod.name)-1.pcap"], attempt: attempt), at: at)
    }

    static let statistics = CaptureStatistics(captured: 42, receivedByFilter: 45, droppedByKernel: 3)

    /// Runs `server` in a `ServiceGroup`, hands `body` the bound port, then shuts the group
    /// down gracefully and waits for it, whether `body` succeeded or threw.
    static func withServer<T: Sendable>(
        metrics: MetricsReporter, captures: CaptureIndex = CaptureIndex(), isReady: @escaping @Sendable () -> Bool,
        _ body: @Sendable (Int) async throws -> T
    ) async throws -> T {
        let (ports, portSink) = AsyncStream.makeStream(of: Int.self)
        let server = HTTPServerService(listen: ListenAddress(host: "127.0.0.1", port: 0), metrics: metrics,
                                       captures: captures, isReady: isReady, logger: quiet,
                                       onListening: { port in portSink.yield(port); portSink.finish() })
        let group = ServiceGroup(configuration: .init(services: [server], logger: quiet))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            #expect(server.boundPort == port)
            let result: Result<T, any Error>
            do { result = .success(try await body(port)) } catch { result = .failure(error) }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }
}

/// A flag a test flips while the server reads it from request handlers.
final class ReadyFlag: Sendable {
    private let value = Atomic<Bool>(false)
    var isSet: Bool { value.load(ordering: .acquiring) }
    func set() { value.store(true, ordering: .releasing) }
}

/// Collects log lines written by a `JSONLogHandler`.
final class LineCollector: Sendable {
    private let state = Mutex<[String]>([])
    var lines: [String] { state.withLock { $0 } }
    func append(_ bytes: [UInt8]) {
        let line = String(decoding: bytes, as: UTF8.self)
        state.withLock { $0.append(line) }
    }
}
