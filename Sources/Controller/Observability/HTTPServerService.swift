import CaptureTransfer
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The operator endpoint: `/healthz`, `/readyz` and `/metrics` on `--listen`, and
/// `/captures/<namespace>/<name>`, which `podcap export` and `podcap follow` ask for the files
/// of a capture (the same Pod names `/metrics` already labels its series with).
///
/// A `Service`: run it in the controller's `ServiceGroup`; graceful shutdown stops accepting
/// connections and lets in-flight requests finish.
///
/// The router's responder is served by HummingbirdCore's HTTP/1 server directly, not through
/// `Application.run()`: that also runs a date-header cache that wakes every second and formats
/// a date through FoundationEssentials' calendar, which on an idle node kept ~3.5 MB of code
/// resident (the code-page trim found it faulted back within a second). Responses here carry
/// no `Date` header (RFC 9110 allows it for a server without a reliable clock source it trusts
/// to be read per request; Prometheus and the plugin do not read it).
public struct HTTPServerService: Service {
    /// The `Content-Type` Prometheus expects for the text exposition format.
    public static let metricsContentType = "text/plain; version=0.0.4; charset=utf-8"

    private let responder: RouterResponder<BasicRequestContext>
    private let configuration: ServerConfiguration
    private let logger: Logger
    private let onServerRunning: @Sendable (any Channel) async -> Void
    private let bound: BoundPort

    /// - Parameters:
    ///   - listen: where to bind; port 0 picks a free port (see `boundPort`, `onListening`).
    ///   - metrics: rendered on every `GET /metrics`.
    ///   - isReady: `/readyz` answers 200 while this returns `true` (the Pod watch has synced).
    ///   - notReadyReason: the body of the 503 answer.
    ///   - onListening: called once with the bound port when the server accepts connections.
    public init(listen: ListenAddress, metrics: MetricsReporter, captures: CaptureIndex = CaptureIndex(),
                isReady: @escaping @Sendable () -> Bool,
                notReadyReason: String = "pod watch has not synced yet",
                logger: Logger = Logger(label: "podcap.http"),
                onListening: @escaping @Sendable (Int) async -> Void = { _ in }) {
        let router = Router()
        router.get("healthz") { _, _ in
            Self.text(.ok, "ok\n")
        }
        router.get("readyz") { _, _ in
            isReady() ? Self.text(.ok, "ok\n") : Self.text(.serviceUnavailable, notReadyReason + "\n")
        }
        router.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: Self.metricsContentType],
                     body: ResponseBody(byteBuffer: ByteBuffer(string: metrics.render())))
        }
        router.get("captures") { _, _ in
            Self.json(captures.all())
        }
        router.get("captures/:namespace/:name") { _, context in
            let namespace = context.parameters.get("namespace") ?? ""
            let name = context.parameters.get("name") ?? ""
            guard let listing = captures.listing(namespace: namespace, name: name) else {
                return Self.text(.notFound, "no capture of \(namespace)/\(name) on this node\n")
            }
            return Self.json(listing)
        }
        let bound = BoundPort()
        self.bound = bound
        self.responder = router.buildResponder()
        self.configuration = ServerConfiguration(address: .hostname(listen.host, port: listen.port), serverName: nil)
        self.logger = logger
        self.onServerRunning = { channel in
            let port = channel.localAddress?.port ?? listen.port
            bound.set(port)
            await onListening(port)
        }
    }

    /// The port the server listens on once it runs (the kernel's choice for port 0), else `nil`.
    public var boundPort: Int? { bound.get() }

    /// Serves until graceful shutdown or cancellation.
    public func run() async throws {
        let responder = self.responder
        let logger = self.logger
        let server = try HTTPServerBuilder.http1().buildServer(
            configuration: configuration, eventLoopGroup: MultiThreadedEventLoopGroup.singleton, logger: logger,
            responder: { request, writer, channel in
                let context = BasicRequestContext(source: .init(channel: channel, logger: logger))
                let response: Response
                do {
                    response = try await responder.respond(to: request, context: context)
                } catch {
                    logger.debug("HTTP request failed", metadata: ["error": "\(error)"])
                    response = Response(status: .internalServerError)
                }
                try await writer.write(response: response.head, body: response.body)
            },
            onServerRunning: onServerRunning)
        try await server.run()
    }

    private static func json(_ value: some Encodable) -> Response {
        let body = (try? JSONEncoder().encode(value)).map { Array($0) } ?? Array("null".utf8)
        return Response(status: .ok, headers: [.contentType: "application/json"],
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: body)))
    }

    private static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(status: status, headers: [.contentType: "text/plain; charset=utf-8"],
                 body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
