import CaptureTransfer
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// The local podcap controller's HTTP endpoint, asked for a capture's files.
///
/// A plain HTTP/1.1 GET over a loopback socket: `podcap export` is a short process started per
/// request, and an HTTP client library's event loops would cost more than the answer.
public struct AgentEndpoint: Sendable {
    public var host: String
    public var port: Int

    /// `address` as `--listen` takes it (`:9090`, `127.0.0.1:9090`); an empty or wildcard host
    /// means this machine's loopback.
    public init(listen address: String) {
        var host = "127.0.0.1"
        var port = 9090
        if let colon = address.lastIndex(of: ":") {
            let hostPart = address[..<colon].filter { $0 != "[" && $0 != "]" }
            if !hostPart.isEmpty, hostPart != "0.0.0.0", hostPart != "::" { host = String(hostPart) }
            port = Int(address[address.index(after: colon)...]) ?? 9090
        }
        self.host = host
        self.port = port
    }

    public var address: String { "\(host):\(port)" }

    /// The capture of `request`, as the controller knows it.
    public func listing(for request: CaptureRequestName) throws(ServingError) -> CaptureListing {
        let (status, body) = try get("/captures/\(request.namespace)/\(request.name)")
        switch status {
        case 200:
            do {
                return try JSONDecoder().decode(CaptureListing.self, from: Data(body))
            } catch {
                throw .agentUnreachable(address: address, reason: "unexpected answer: \(error)")
            }
        case 404:
            throw .notCaptured(namespace: request.namespace, name: request.name)
        default:
            throw .agentUnreachable(address: address, reason: "HTTP \(status)")
        }
    }

    private func get(_ path: String) throws(ServingError) -> (Int, [UInt8]) {
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var result: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(port), &hints, &result) == 0, let info = result else {
            throw .agentUnreachable(address: address, reason: "cannot resolve \(host)")
        }
        defer { freeaddrinfo(result) }
        let fd = socket(info.pointee.ai_family, info.pointee.ai_socktype, info.pointee.ai_protocol)
        guard fd >= 0 else { throw .agentUnreachable(address: address, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, info.pointee.ai_addr, info.pointee.ai_addrlen) == 0 else {
            throw .agentUnreachable(address: address, reason: String(cString: strerror(errno)))
        }
        let request = Array("GET \(path) HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n".utf8)
        guard FileDescriptorIO.writeAll(fd, request[...]) else {
            throw .agentUnreachable(address: address, reason: String(cString: strerror(errno)))
        }
        // Read until the body is complete by its Content-Length: the server may keep the
        // connection open after answering.
        var response: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 16_384)
        var headerEnd: Int?
        var contentLength: Int?
        while true {
            if let end = headerEnd, let length = contentLength, response.count >= end + length { break }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n == 0 { break }
            if n < 0 {
                if errno == EINTR { continue }
                throw .agentUnreachable(address: address, reason: String(cString: strerror(errno)))
            }
            response += buffer[0..<n]
            guard response.count < 16 << 20 else { throw .agentUnreachable(address: address, reason: "answer too large") }
            if headerEnd == nil, let split = Self.headerEnd(response) {
                headerEnd = split
                contentLength = Self.contentLength(response[0..<split])
            }
        }
        guard let split = headerEnd else {
            throw .agentUnreachable(address: address, reason: "malformed HTTP answer")
        }
        let statusLine = String(decoding: response[0..<split].prefix { $0 != 13 }, as: UTF8.self)
        let fields = statusLine.split(separator: " ")
        guard fields.count >= 2, let status = Int(fields[1]) else {
            throw .agentUnreachable(address: address, reason: "malformed status line \"\(statusLine.prefix(60))\"")
        }
        let bodyEnd = contentLength.map { min(response.count, split + 4 + $0) } ?? response.count
        return (status, Array(response[(split + 4)..<bodyEnd]))
    }

    /// Offset of the blank line that ends the headers.
    private static func headerEnd(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= 4 else { return nil }
        for i in 0...(bytes.count - 4) where bytes[i] == 13 && bytes[i + 1] == 10 && bytes[i + 2] == 13 && bytes[i + 3] == 10 {
            return i
        }
        return nil
    }

    private static func contentLength(_ head: ArraySlice<UInt8>) -> Int? {
        for line in String(decoding: head, as: UTF8.self).split(separator: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "content-length" {
                return Int(parts[1].filter { $0 != " " })
            }
        }
        return nil
    }
}
