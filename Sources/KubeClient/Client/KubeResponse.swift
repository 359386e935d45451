#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOCore
import NIOFoundationEssentialsCompat

/// A complete (non-streaming) API response.
public struct KubeResponse: Sendable {
    public var code: Int
    public var body: ByteBuffer

    /// The body as bytes (a copy), for callers that do not use NIO.
    public var bytes: [UInt8] { Array(body.readableBytesView) }

    /// Decodes the body as JSON.
    public func decode<T: Decodable>(_ type: T.Type) throws(KubeAPIError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch {
            throw .decoding("\(T.self): \(error)")
        }
    }
}
