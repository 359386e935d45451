import AsyncHTTPClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeModel
import Logging
import NIOCore
import Synchronization

/// The production ``PodSource``: list then watch the Pods on one Node, the way client-go's reflector does.
///
/// - The first emission is `.resynced` with the initial (paginated) list.
/// - The watch resumes from the last seen resourceVersion after any drop; BOOKMARKs only advance it.
/// - 410 Gone (HTTP status or ERROR event) relists and emits `.resynced` with the full current set.
/// - 429, 5xx, transport errors, and watches that close within ``Options/minHealthyWatch`` without
///   events back off exponentially (honouring `Retry-After`); an unreachable server is probed at a
///   short capped interval instead (see ``BackoffPolicy``); any success resets the backoff.
///   Nothing ends the loop but cancellation or an error thrown by `emit`.
/// - `emit` is awaited for each event, so a slow consumer slows the stream (no buffering here).
public struct PodListWatcher: PodSource {
    /// Tunables; defaults follow client-go.
    public struct Options: Sendable {
        /// `limit` of each list page.
        public var pageSize: Int
        /// Server-side watch timeout, chosen at random per request so nodes don't reconnect in step.
        public var timeoutSeconds: ClosedRange<Int>
        /// A watch stream silent for this long is abandoned and resumed (async-http-client's
        /// deadline does not protect a stalled streaming body).
        public var idleTimeout: Duration
        /// A watch that ends sooner than this with no events counts as a failure.
        public var minHealthyWatch: Duration
        /// Backoff for failed requests.
        public var backoff: BackoffPolicy
        /// Restrict to one namespace (`nil`: all namespaces).
        public var namespace: String?
        /// Extra label selector.
        public var labelSelector: String?
        /// Waits out a retry delay. Tests replace it to see the delays chosen without waiting.
        public var sleep: @Sendable (Duration) async throws -> Void

        public init(
            pageSize: Int = 500, timeoutSeconds: ClosedRange<Int> = 300...600, idleTimeout: Duration = .seconds(300),
            minHealthyWatch: Duration = .seconds(1), backoff: BackoffPolicy = BackoffPolicy(),
            namespace: String? = nil, labelSelector: String? = nil,
            sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
        ) {
            self.pageSize = pageSize
            self.timeoutSeconds = timeoutSeconds
            self.idleTimeout = idleTimeout
            self.minHealthyWatch = minHealthyWatch
            self.backoff = backoff
            self.namespace = namespace
            self.labelSelector = labelSelector
            self.sleep = sleep
        }
    }

    public let client: KubernetesClient
    public let nodeName: String
    public let options: Options
    /// Counters and the synced flag; share it with metrics and `/readyz`.
    public let status: PodWatchStatus
    let logger: Logger

    /// - Parameters:
    ///   - client: the API connection.
    ///   - nodeName: only Pods with `spec.nodeName` equal to this are listed and watched.
    ///   - status: pass one to observe counters; a fresh one is created otherwise.
    public init(
        client: KubernetesClient, nodeName: String, options: Options = Options(),
        status: PodWatchStatus = PodWatchStatus(), logger: Logger = Logger(label: "podcap.watch")
    ) {
        self.client = client
        self.nodeName = nodeName
        self.options = options
        self.status = status
        self.logger = logger
    }

    private var path: String {
        if let ns = options.namespace { return "/api/v1/namespaces/\(ns)/pods" }
        return "/api/v1/pods"
    }

    private var selectors: [(String, String)] {
        var q = [("fieldSelector", "spec.nodeName=\(nodeName)")]
        if let l = options.labelSelector { q.append(("labelSelector", l)) }
        return q
    }

    /// An error thrown by `emit`, carried through unchanged so `run` can rethrow it.
    private struct EmitFailure: Error { var underlying: any Error }

    /// How one watch request ended, when it ended without an HTTP/transport error.
    enum WatchEnd: Equatable {
        case closed(events: Int)
        case expired
        case idle
        case decodeError
    }

    public func run(emit: @Sendable (PodEvent) async throws -> Void) async throws {
        var backoff = RetryState(backoff: Backoff(policy: options.backoff))
        do {
            var rv = try await listUntilSuccess(emit: emit, backoff: &backoff, relist: false)
            var firstWatch = true
            while !Task.isCancelled {
                if !firstWatch { status.record(.reconnect) { $0.reconnects += 1 } }
                firstWatch = false
                let started = ContinuousClock.now
                let cursor = WatchProgress(resourceVersion: rv)
                let end: WatchEnd
                do {
                    end = try await watchOnce(cursor: cursor, retry: &backoff, emit: emit)
                    rv = cursor.resourceVersion
                } catch let error as KubeAPIError {
                    // A watch that delivered something or stayed open was a success before it broke.
                    if cursor.resourceVersion != rv || ContinuousClock.now - started >= options.minHealthyWatch {
                        backoff.succeeded()
                    }
                    rv = cursor.resourceVersion
                    if Task.isCancelled { return }
                    if error.httpCode == 410 {
                        status.record(.expired) { $0.expired += 1 }
                        rv = try await listUntilSuccess(emit: emit, backoff: &backoff, relist: true)
                        continue
                    }
                    try await fail(error, backoff: &backoff)
                    continue
                }
                switch end {
                case .expired:
                    status.record(.expired) { $0.expired += 1 }
                    rv = try await listUntilSuccess(emit: emit, backoff: &backoff, relist: true)
                case .closed(let events):
                    if events == 0 && ContinuousClock.now - started < options.minHealthyWatch {
                        try await fail(.transport("watch closed after less than \(options.minHealthyWatch.readable) with no events"),
                                       backoff: &backoff)
                    } else {
                        backoff.succeeded()
                    }
                case .idle:
                    status.record(.stall) { $0.stalls += 1 }
                    logger.warning("watch stalled; resuming", metadata: ["resourceVersion": "\(rv)"])
                case .decodeError:
                    // A corrupt stream may be a broken proxy; back off so it cannot become a hot loop.
                    try await options.sleep(backoff.backoff.nextDelay(after: .answered(retryAfter: nil)))
                }
            }
        } catch let failure as EmitFailure {
            throw failure.underlying
        } catch is CancellationError {
            return
        }
    }

    /// The backoff and what the log says about a run of failures.
    struct RetryState {
        var backoff: Backoff
        /// When the current run of failures began; `nil` while requests succeed.
        var failingSince: ContinuousClock.Instant?
        var failures = 0
        /// The last failure was `.unreachable`: repeats of it are logged at debug only.
        var unreachable = false

        /// The server answered a request with success (a list, a watch stream opened); logs the
        /// recovery when requests were failing. Only ``succeeded()`` resets answered failures'
        /// backoff, so a server that opens watches and closes them at once still backs off.
        mutating func answered(logger: Logger) {
            // After a single failure its warning says enough; after a run of them, say it ended.
            if let since = failingSince, failures > 1 {
                logger.info("API server answering again", metadata: [
                    "failed_for": "\((ContinuousClock.now - since).readable)", "failures": "\(failures)",
                ])
            }
            backoff.reachable()
            failingSince = nil
            failures = 0
            unreachable = false
        }

        /// A request did its job (a list, a watch that delivered or stayed open): the next
        /// failure starts from the initial delay.
        mutating func succeeded() { backoff.succeeded() }
    }

    private func fail(_ error: KubeAPIError, backoff retry: inout RetryState) async throws {
        status.record(.failure(error.description)) { $0.failures += 1 }
        let failure: Backoff.Failure
        switch error {
        case .unreachable: failure = .unreachable
        case .http(_, _, let seconds?): failure = .answered(retryAfter: .seconds(seconds))
        default: failure = .answered(retryAfter: nil)
        }
        let delay = retry.backoff.nextDelay(after: failure)
        if retry.failingSince == nil { retry.failingSince = .now }
        retry.failures += 1
        // While the server is down every probe fails the same way: say it once, not 2.5 times a second.
        let repeated = failure == .unreachable && retry.unreachable
        retry.unreachable = failure == .unreachable
        logger.log(level: repeated ? .debug : .warning, "pod list/watch failed; retrying", metadata: [
            "error": "\(error)", "delay": "\(delay.readable)", "failures": "\(retry.failures)",
        ])
        status.record(.backoff(delay)) { _ in }
        try await options.sleep(delay)
    }

    // MARK: list

    /// Lists until it succeeds, emits `.resynced`, and returns the list's resourceVersion.
    private func listUntilSuccess(
        emit: @Sendable (PodEvent) async throws -> Void, backoff: inout RetryState, relist: Bool
    ) async throws -> String {
        while true {
            try Task.checkCancellation()
            do {
                let (pods, rv) = try await listAll()
                backoff.answered(logger: logger)
                backoff.succeeded()
                status.record(.listed(pods: pods.count, relist: relist)) {
                    $0.lists += 1
                    if relist { $0.relists += 1 }
                    $0.resourceVersion = rv
                }
                do { try await emit(.resynced(pods)) } catch { throw EmitFailure(underlying: error) }
                // Ready only once the consumer has the initial set, not merely once it was fetched.
                if !relist { status.record(.synced) { $0.synced = true } }
                return rv
            } catch let error as KubeAPIError {
                if Task.isCancelled { throw CancellationError() }
                try await fail(error, backoff: &backoff)
            }
        }
    }

    /// All pages of the list. An expired `continue` token (410) restarts from the first page.
    func listAll() async throws(KubeAPIError) -> ([Pod], String) {
        var pods: [Pod] = []
        var token: String?
        while true {
            var query = selectors
            query.append(("limit", String(options.pageSize)))
            if let token { query.append(("continue", token)) }
            let page: PodList
            do {
                page = try await client.sendJSON(PodList.self, .GET, path: path, query: query)
            } catch {
                if error.httpCode == 410, token != nil {
                    logger.info("list continue token expired; restarting the list")
                    pods.removeAll()
                    token = nil
                    continue
                }
                throw error
            }
            pods.append(contentsOf: page.items)
            if let next = page.metadata.continue, !next.isEmpty {
                token = next
                continue
            }
            guard let rv = page.metadata.resourceVersion else {
                throw .decoding("list response has no metadata.resourceVersion")
            }
            return (pods, rv)
        }
    }

    // MARK: watch

    private func watchOnce(
        cursor: WatchProgress, retry: inout RetryState, emit: @Sendable (PodEvent) async throws -> Void
    ) async throws -> WatchEnd {
        let timeout = Int.random(in: options.timeoutSeconds)
        var query = selectors
        query += [
            ("watch", "true"), ("resourceVersion", cursor.resourceVersion), ("allowWatchBookmarks", "true"),
            ("timeoutSeconds", String(timeout)),
        ]
        // The client-side deadline is a backstop beyond the server's own timeout.
        let response = try await client.openStream(path: path, query: query, deadline: .seconds(timeout + 60))
        retry.answered(logger: logger)
        let idle = options.idleTimeout
        return try await withoutActuallyEscaping(emit) { emit in
            try await withThrowingTaskGroup(of: WatchEnd.self) { group in
                group.addTask {
                    try await self.consume(response.body, cursor: cursor, emit: emit)
                }
                group.addTask {
                    try await Self.watchdog(cursor, idle: idle)
                    return .idle
                }
                defer { group.cancelAll() }
                guard let end = try await group.next() else { return .closed(events: 0) }
                return end
            }
        }
    }

    /// Returns when the stream has received nothing for `idle` while not waiting on the consumer.
    private static func watchdog(_ progress: WatchProgress, idle: Duration) async throws {
        let tick = min(idle / 4, .seconds(1))
        while true {
            try await Task.sleep(for: tick)
            if progress.isStalled(idle: idle) { return }
        }
    }

    private func consume(
        _ body: HTTPClientResponse.Body, cursor: WatchProgress,
        emit: @Sendable (PodEvent) async throws -> Void
    ) async throws -> WatchEnd {
        var splitter = WatchLineSplitter()
        let decoder = JSONDecoder()
        var events = 0
        do {
            for try await chunk in body {
                cursor.touch()
                splitter.append(chunk)
                while let line = try splitter.nextLine() {
                    let event: PodWatchEvent
                    do {
                        event = try PodWatchEvent.decode(line: line, using: decoder)
                    } catch {
                        reportDecodeError(line: line, error: error)
                        return .decodeError
                    }
                    switch event {
                    case .added(let pod), .modified(let pod), .deleted(let pod):
                        let podEvent: PodEvent
                        switch event {
                        case .added: podEvent = .added(pod)
                        case .modified: podEvent = .modified(pod)
                        default: podEvent = .deleted(pod)
                        }
                        cursor.setBusy(true)
                        do { try await emit(podEvent) } catch { throw EmitFailure(underlying: error) }
                        cursor.setBusy(false)
                        events += 1
                        let rv = pod.metadata.resourceVersion
                        if let rv { cursor.resourceVersion = rv }
                        status.record(.event) {
                            $0.events += 1
                            if let rv { $0.resourceVersion = rv }
                        }
                    case .bookmark(let rv):
                        cursor.resourceVersion = rv
                        status.record(.bookmark) {
                            $0.bookmarks += 1
                            $0.resourceVersion = rv
                        }
                    case .error(let s):
                        if s.code == 410 { return .expired }
                        throw KubeAPIError.http(code: s.code ?? 500, status: s, retryAfterSeconds: nil)
                    }
                }
            }
        } catch let error as WatchLineSplitter.LineTooLong {
            reportDecodeError(line: ByteBuffer(), error: error)
            return .decodeError
        } catch let failure as EmitFailure {
            throw failure
        } catch let error as KubeAPIError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            if Task.isCancelled { throw CancellationError() }
            // A connection cut inside a line leaves half an event: report it, then treat the cut as a drop.
            if splitter.pendingBytes > 0 {
                reportDecodeError(line: ByteBuffer(), error: TruncatedLine(bytes: splitter.pendingBytes))
            }
            throw KubernetesClient.transportError(error)
        }
        if splitter.pendingBytes > 0 {
            reportDecodeError(line: ByteBuffer(), error: TruncatedLine(bytes: splitter.pendingBytes))
            return .decodeError
        }
        return .closed(events: events)
    }

    private struct TruncatedLine: Error, CustomStringConvertible {
        var bytes: Int
        var description: String { "stream ended inside a line (\(bytes) bytes)" }
    }

    private func reportDecodeError(line: ByteBuffer, error: any Error) {
        let preview = String(decoding: line.readableBytesView.prefix(120), as: UTF8.self)
        status.record(.decodeError("\(error)")) { $0.decodeErrors += 1 }
        logger.error("undecodable watch line; resuming from last resourceVersion", metadata: [
            "error": "\(error)", "line": "\(preview)",
        ])
    }
}
