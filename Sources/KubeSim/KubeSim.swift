#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Synchronization

/// An in-process Kubernetes-compatible API server on 127.0.0.1, for tests and `podcap demo`.
///
/// It serves Pods and Events with real Kubernetes JSON, list/watch semantics (resourceVersion,
/// bookmarks, field and label selectors, pagination, 410 Gone for compacted history), merge
/// patches, bearer-token auth and `Status` errors, and lets tests inject faults. HTTP only: the
/// Hummingbird TLS module is not among the package's dependencies.
///
/// Start it with ``start(_:)`` and stop it with ``shutdown()``, or scope it with ``withKubeSim(_:_:)``.
public final class KubeSim: Sendable {
    /// Server settings.
    public struct Options: Sendable {
        /// Accepted bearer tokens.
        public var tokens: Set<String>
        /// Changes kept for watches; older resourceVersions get 410 Gone.
        public var historyLimit: Int
        /// How often a watch with `allowWatchBookmarks` gets a BOOKMARK while idle.
        public var bookmarkInterval: Duration
        /// Serve `events.k8s.io/v1` (off: it answers 404, as on clusters without the group).
        public var servesEventsV1: Bool
        /// Port to bind (0: any free port).
        public var port: Int

        public init(tokens: Set<String> = ["kubesim-token"], historyLimit: Int = 1000,
                    bookmarkInterval: Duration = .seconds(60), servesEventsV1: Bool = true, port: Int = 0) {
            self.tokens = tokens
            self.historyLimit = historyLimit
            self.bookmarkInterval = bookmarkInterval
            self.servesEventsV1 = servesEventsV1
            self.port = port
        }
    }

    let state: Mutex<SimState>
    /// Gates tests put in front of requests (``holdRequests(method:pathContains:)``).
    let holds = Mutex<[RequestHold]>([])
    private let runner = Mutex<Task<Void, any Error>?>(nil)
    private let serviceGroup = Mutex<ServiceGroup?>(nil)
    private let boundPort = Mutex(0)
    let logger: Logger

    /// `http://127.0.0.1:<port>`.
    public var url: String { "http://127.0.0.1:\(boundPort.withLock { $0 })" }
    /// The first accepted token, for building client configs.
    public var token: String { state.withLock { $0.tokens.sorted().first ?? "" } }

    private init(options: Options) {
        var s = SimState(historyLimit: options.historyLimit, tokens: options.tokens,
                         bookmarkInterval: options.bookmarkInterval)
        s.eventsV1Served = options.servesEventsV1
        state = Mutex(s)
        var logger = Logger(label: "kubesim")
        // Hummingbird reports routine connection teardown at error level; keep test output readable.
        logger.logLevel = .critical
        self.logger = logger
    }

    /// Starts a server and returns once it accepts connections.
    public static func start(_ options: Options = Options()) async throws -> KubeSim {
        let sim = KubeSim(options: options)
        try await sim.serve(port: options.port)
        return sim
    }

    /// Binds `port` and serves until the group is shut down.
    private func serve(port wanted: Int) async throws {
        let (ready, readyContinuation) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
        let app = Application(
            responder: SimResponder(sim: self),
            configuration: .init(address: .hostname("127.0.0.1", port: wanted), serverName: "kubesim"),
            onServerRunning: { channel in
                readyContinuation.yield(channel.localAddress?.port ?? 0)
                readyContinuation.finish()
            },
            logger: logger)
        // The server must outlive this call (tests hold the sim across awaits), so it runs in a task
        // that shutdown() cancels and awaits; withKubeSim offers the scoped form.
        // Run under a ServiceGroup so shutdown() can stop it gracefully: cancelling a Hummingbird
        // server mid-response drops NIO's async writers without finishing them, which traps.
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        serviceGroup.withLock { $0 = group }
        let task = Task<Void, any Error> {
            defer { readyContinuation.finish() }
            try await group.run()
        }
        runner.withLock { $0 = task }
        var port = 0
        for await p in ready { port = p }
        guard port > 0 else {
            _ = try await task.value
            throw SimStatus(code: 500, reason: "InternalError", message: "kubesim did not start")
        }
        boundPort.withLock { $0 = port }
    }

    /// Takes the server off the network, keeping every object and the history: open watches are
    /// aborted and connections are refused until ``resumeServing()``. An API server outage.
    public func stopServing() async {
        dropOpenWatches()
        await stopServer()
    }

    /// Listens again on the same port after ``stopServing()``; watches resume from their
    /// resourceVersion as with a real API server that restarted on the same etcd.
    public func resumeServing() async throws {
        try await serve(port: boundPort.withLock { $0 })
    }

    /// Ends all watches and stops the server.
    public func shutdown() async {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.shuttingDown = true
            return s.takeWaiters()
        }
        waiters.forEach { $0.resume() }
        await stopServer()
    }

    /// Stops the listening server gracefully, bounded: should a client hold a connection open
    /// regardless, the server task is cancelled after 5 s.
    private func stopServer() async {
        let task = runner.withLock { t -> Task<Void, any Error>? in
            defer { t = nil }
            return t
        }
        await serviceGroup.withLock { $0 }?.triggerGracefulShutdown()
        await withTaskGroup(of: Void.self) { bound in
            bound.addTask { _ = try? await task?.value }
            bound.addTask {
                guard (try? await Task.sleep(for: .seconds(5))) != nil else { return }
                task?.cancel()
            }
            await bound.next()
            bound.cancelAll()
        }
    }

    var isShuttingDown: Bool { state.withLock { $0.shuttingDown } }
}

/// Runs `body` with a started ``KubeSim`` and shuts it down afterwards, even when `body` throws.
public func withKubeSim<T: Sendable>(
    _ options: KubeSim.Options = KubeSim.Options(), _ body: (KubeSim) async throws -> T
) async throws -> T {
    let sim = try await KubeSim.start(options)
    do {
        let result = try await body(sim)
        await sim.shutdown()
        return result
    } catch {
        await sim.shutdown()
        throw error
    }
}
