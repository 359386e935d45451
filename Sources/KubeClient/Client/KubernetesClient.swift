import AsyncHTTPClient
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import NIOFoundationEssentialsCompat
import NIOHTTP1
import NIOPosix
import NIOSSL

/// A connection to one Kubernetes API server: one `HTTPClient` with the cluster's TLS trust and
/// credentials. Create one per process and call ``shutdown()`` before exit.
public final class KubernetesClient: Sendable {
    /// Tunables; the defaults suit production.
    public struct Options: Sendable {
        /// How often a token file is stat'ed for rotation.
        public var tokenRecheckInterval: Duration
        /// Deadline for non-watch requests.
        public var requestTimeout: Duration
        /// Largest non-watch response body accepted.
        public var maxResponseBytes: Int
        /// `User-Agent` header.
        public var userAgent: String
        /// Longest an exec credential plugin may run before it is killed and the request fails.
        public var execTimeout: Duration

        public init(
            tokenRecheckInterval: Duration = .seconds(10), requestTimeout: Duration = .seconds(30),
            maxResponseBytes: Int = 64 << 20, userAgent: String = "podcap/1.0", execTimeout: Duration = .seconds(60)
        ) {
            self.tokenRecheckInterval = tokenRecheckInterval
            self.requestTimeout = requestTimeout
            self.maxResponseBytes = maxResponseBytes
            self.userAgent = userAgent
            self.execTimeout = execTimeout
        }
    }

    /// HTTP methods the client issues.
    public enum Method: String, Sendable {
        case GET, POST, PUT, PATCH, DELETE
    }

    public let config: KubeConfig
    public let options: Options
    let http: HTTPClient
    let auth: RequestAuthenticator
    let logger: Logger
    /// ``KubeConfig/server``, or with ``KubeConfig/tlsServerName`` as its host (see `dnsOverride` below).
    private let baseURL: String

    /// Builds the TLS configuration and the HTTP client. Throws `.configuration` for unusable PEM.
    ///
    /// An exec plugin runs on the first request; if it returns a client certificate that request
    /// fails with ``KubeConfigError/execCertificateNeedsMake(path:field:)``. Prefer
    /// ``make(config:options:logger:)`` when the configuration may use an exec plugin.
    public convenience init(
        config: KubeConfig, options: Options = Options(), logger: Logger = Logger(label: "podcap.kube")
    ) throws(KubeAPIError) {
        let exec = config.exec.map { ExecCredentialProvider(plugin: $0, config: config, timeout: options.execTimeout) }
        try self.init(config: config, options: options, logger: logger, exec: exec, execCertificate: nil)
    }

    /// Creates a client, first running the exec credential plugin if the configuration has one.
    ///
    /// The TLS configuration of the HTTP client is fixed when it is created, so a client
    /// certificate from the plugin (`status.clientCertificateData`) must be known by then: this
    /// runs the plugin once, puts its certificate in the TLS configuration and keeps its token
    /// for the first requests. A token is fetched again when it expires or after a 401; a
    /// certificate is not replaced: when it expires, create a new client.
    ///
    /// - Throws: ``KubeAPIError/credentials(_:)`` when the plugin fails, `.configuration` for unusable PEM.
    public static func make(
        config: KubeConfig, options: Options = Options(), logger: Logger = Logger(label: "podcap.kube")
    ) async throws(KubeAPIError) -> KubernetesClient {
        guard let plugin = config.exec else { return try KubernetesClient(config: config, options: options, logger: logger) }
        let exec = ExecCredentialProvider(plugin: plugin, config: config, timeout: options.execTimeout)
        let credential: ExecCredential
        do {
            credential = try await exec.credential()
        } catch {
            throw .credentials(error)
        }
        return try KubernetesClient(config: config, options: options, logger: logger, exec: exec,
                                    execCertificate: credential.clientCertificate)
    }

    private init(
        config: KubeConfig, options: Options, logger: Logger, exec: ExecCredentialProvider?,
        execCertificate: KubeConfig.ClientCertificate?
    ) throws(KubeAPIError) {
        self.config = config
        self.options = options
        self.logger = logger
        var tls = TLSConfiguration.makeClientConfiguration()
        do {
            if let ca = config.certificateAuthorityPEM {
                tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(ca))
            }
            // When the kubeconfig has its own client certificate, an exec one is not used.
            if let cert = config.clientCertificate ?? execCertificate {
                tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(cert.certificatePEM).map { .certificate($0) }
                tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: cert.keyPEM, format: .pem))
            }
        } catch {
            throw .configuration("\(config.source): \(error)")
        }
        if config.insecureSkipTLSVerify { tls.certificateVerification = .none }
        var httpConfig = HTTPClient.Configuration(tlsConfiguration: tls)
        httpConfig.redirectConfiguration = .disallow
        httpConfig.decompression = .disabled
        // HTTP/1.1, as `kubectl` can be told to use: the watch holds one connection and writes
        // share a few others. With HTTP/2 (ALPN picks it against kube-apiserver) every status
        // write of every running capture ran through NIOHTTP2's frame codec, HPACK and stream
        // state machines, several megabytes of code kept resident by those periodic writes.
        httpConfig.httpVersion = .http1Only
        // Watches hold a connection each; allow a few plus writes alongside.
        httpConfig.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 16)
        httpConfig.timeout = .init(connect: .seconds(10))
        // A failed connection attempt fails the request at once (`.unreachable`) instead of
        // being retried inside the pool with its own backoff (100 ms × 1.25ⁿ, reset only by a
        // successful connection): that hidden schedule kept a recovered server waiting ~2 s
        // after an outage of a few seconds. The callers retry with `BackoffPolicy`.
        httpConfig.connectionPool.retryConnectionEstablishment = false
        var baseURL = config.server
        if let name = config.tlsServerName, let rewritten = Self.serverURL(config.server, host: name) {
            // AsyncHTTPClient checks the certificate against (and sends as SNI) the URL's host;
            // dnsOverride connects that name to the real address, so the URL carries the TLS name.
            httpConfig.dnsOverride = [name: rewritten.originalHost]
            baseURL = rewritten.url
        }
        self.baseURL = baseURL
        self.http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: httpConfig)
        let tokens = config.token.map { TokenProvider(credential: $0, recheckInterval: options.tokenRecheckInterval) }
        self.auth = RequestAuthenticator(config: config, tokens: tokens, exec: exec,
                                         tlsHasClientCertificate: config.clientCertificate != nil || execCertificate != nil)
    }

    /// `server` with its host replaced by `host`, and the host it had; `nil` if it does not parse.
    static func serverURL(_ server: String, host: String) -> (url: String, originalHost: String)? {
        guard let schemeEnd = server.firstRange(of: "://") else { return nil }
        let afterScheme = server[schemeEnd.upperBound...]
        let authorityEnd = afterScheme.firstIndex(of: "/") ?? afterScheme.endIndex
        let authority = afterScheme[..<authorityEnd]
        let original: Substring
        let port: Substring
        if authority.hasPrefix("["), let close = authority.firstIndex(of: "]") {
            original = authority[authority.index(after: authority.startIndex)..<close]
            port = authority[authority.index(after: close)...]
        } else if let colon = authority.lastIndex(of: ":") {
            original = authority[..<colon]
            port = authority[colon...]
        } else {
            original = authority
            port = ""
        }
        guard !original.isEmpty else { return nil }
        let url = server[..<schemeEnd.upperBound] + host + port + afterScheme[authorityEnd...]
        return (String(url), String(original))
    }

    /// Closes all connections. Call once, after every watch has ended.
    public func shutdown() async throws {
        try await http.shutdown()
    }

    /// Sends one request and collects the response. A 401 re-reads the token file (or re-runs the
    /// exec plugin) and retries once.
    ///
    /// - Parameters:
    ///   - path: absolute API path, e.g. `/api/v1/namespaces/ns/pods`.
    ///   - query: query parameters, encoded here.
    ///   - body: request body bytes.
    ///   - contentType: `Content-Type` of the body.
    /// - Returns: the response for any 2xx status; other statuses throw ``KubeAPIError/http(code:status:retryAfterSeconds:)``.
    public func send(
        _ method: Method, path: String, query: [(String, String)] = [], body: [UInt8]? = nil,
        contentType: String = "application/json"
    ) async throws(KubeAPIError) -> KubeResponse {
        var attempt = 0
        while true {
            attempt += 1
            let (request, sent) = try await makeRequest(method, path: path, query: query, body: body, contentType: contentType)
            let response: HTTPClientResponse
            let collected: ByteBuffer
            do {
                response = try await http.execute(request, timeout: .nanoseconds(Int64(options.requestTimeout.nanoseconds)))
                collected = try await response.body.collect(upTo: options.maxResponseBytes)
            } catch {
                throw Self.transportError(error)
            }
            let code = Int(response.status.code)
            if (200..<300).contains(code) { return KubeResponse(code: code, body: collected) }
            if code == 401 {
                if attempt == 1, auth.canRefresh {
                    auth.invalidate(sent: sent)
                    continue
                }
                if let rejection = auth.rejection() { throw rejection }
            }
            throw Self.httpError(code: code, headers: response.headers, body: collected)
        }
    }

    /// Sends a request and decodes a JSON response.
    public func sendJSON<T: Decodable>(
        _ type: T.Type, _ method: Method, path: String, query: [(String, String)] = [], body: [UInt8]? = nil,
        contentType: String = "application/json"
    ) async throws(KubeAPIError) -> T {
        try await send(method, path: path, query: query, body: body, contentType: contentType).decode(T.self)
    }

    /// Starts a streaming GET and returns once headers arrived with a 2xx status.
    ///
    /// The caller must consume or drop `body`; the deadline covers the whole exchange, so pass
    /// one beyond the server-side `timeoutSeconds`.
    func openStream(path: String, query: [(String, String)], deadline: Duration) async throws(KubeAPIError)
        -> HTTPClientResponse
    {
        let (request, sent) = try await makeRequest(.GET, path: path, query: query, body: nil, contentType: "application/json")
        let response: HTTPClientResponse
        do {
            response = try await http.execute(request, timeout: .nanoseconds(Int64(deadline.nanoseconds)))
        } catch {
            throw Self.transportError(error)
        }
        let code = Int(response.status.code)
        if (200..<300).contains(code) { return response }
        let body = (try? await response.body.collect(upTo: 1 << 20)) ?? ByteBuffer()
        if code == 401 {
            auth.invalidate(sent: sent)
            if let rejection = auth.rejection() { throw rejection }
        }
        throw Self.httpError(code: code, headers: response.headers, body: body)
    }

    /// The request, and the exec credential it carries (to invalidate exactly that one after a 401).
    private func makeRequest(
        _ method: Method, path: String, query: [(String, String)], body: [UInt8]?, contentType: String
    ) async throws(KubeAPIError) -> (HTTPClientRequest, ExecCredential?) {
        var url = baseURL + path
        if !query.isEmpty {
            url += "?" + query.map { "\(Self.encode($0.0))=\(Self.encode($0.1))" }.joined(separator: "&")
        }
        var request = HTTPClientRequest(url: url)
        request.method = HTTPMethod(rawValue: method.rawValue)
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: options.userAgent)
        let sent = try await auth.apply(to: &request.headers)
        if let body {
            request.headers.add(name: "Content-Type", value: contentType)
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        return (request, sent)
    }

    private static let unreserved: Set<UInt8> = Set(Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~".utf8))

    static func encode(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.utf8.count)
        for byte in s.utf8 {
            if unreserved.contains(byte) {
                out.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                out += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return out
    }

    static func transportError(_ error: any Error) -> KubeAPIError {
        if let e = error as? KubeAPIError { return e }
        if let e = error as? HTTPClientError, e == .alreadyShutdown { return .shutdown }
        if isConnectFailure(error) { return .unreachable("\(error)") }
        return .transport("\(error)")
    }

    /// The connection could not be established at all (refused, no route, connect timeout).
    static func isConnectFailure(_ error: any Error) -> Bool {
        switch error {
        case is NIOConnectionError: return true
        case let error as IOError: return [ECONNREFUSED, ENETUNREACH, EHOSTUNREACH, ETIMEDOUT].contains(error.errnoCode)
        case let error as HTTPClientError: return error == .connectTimeout
        case let error as ChannelError:
            if case .connectTimeout = error { return true }
            return false
        default: return false
        }
    }

    static func httpError(code: Int, headers: HTTPHeaders, body: ByteBuffer) -> KubeAPIError {
        let status = try? JSONDecoder().decode(APIStatus.self, from: body)
        let retryAfter = headers.first(name: "Retry-After").flatMap { Int($0.trimmingWhitespace()) }
        return .http(code: code, status: status, retryAfterSeconds: retryAfter)
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

extension Duration {
    /// Whole nanoseconds, saturating; `Duration` has no direct accessor.
    var nanoseconds: Int64 {
        let (seconds, attos) = components
        let (ns, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .max }
        return ns &+ attos / 1_000_000_000
    }
}
