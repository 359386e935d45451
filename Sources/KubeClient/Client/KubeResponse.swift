#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import KubeModel
import NIOCore
import NIOFoundationEssentialsCompat

/// A complete (non-streaming) API response.
public struct KubeResponse: Sendable {
    public var code: Int
    public var body: ByteBuffer

    /// The body as bytes (a copy), for callers that do not use NIO.
    public var bytes: [UInt8] { Array(body.readableBytesView) }

    /// Decodes the body as one Pod, with the watch stream's decoder (`PodJSON`): the same
    /// fields and rules as `decode(Pod.self)`, without `JSONDecoder`'s generic code, which
    /// status writes (a PATCH per running capture every few seconds) would keep resident.
    public func decodePod() throws(KubeAPIError) -> Pod {
        do {
            return try body.withUnsafeReadableBytes { bytes throws(JSONScanner.Failure) in try PodJSON.pod(document: bytes) }
        } catch {
            throw .decoding("Pod: \(error)")
        }
    }

    /// Decodes the body as JSON.
    public func decode<T: Decodable>(_ type: T.Type) throws(KubeAPIError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch {
            throw .decoding("\(T.self): \(error)")
        }
    }
}
