import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A swift-log handler for `--log-format json`: one JSON object per line,
/// `{"time":"…","level":"info","label":"…","message":"…", <metadata keys>…}`.
///
/// Metadata keys become top-level fields (nested dictionaries and arrays stay JSON objects
/// and arrays), so log pipelines can filter on `namespace`, `pod` and `uid` directly. A
/// metadata key that collides with a fixed field is written as `metadata.<key>`.
public struct JSONLogHandler: LogHandler {
    /// Receives each finished line (UTF-8, newline-terminated).
    public typealias Sink = @Sendable ([UInt8]) -> Void

    /// Entries below this level are not written.
    public var logLevel: Logger.Level = .info
    /// Metadata written on every line of this handler.
    public var metadata: Logger.Metadata = [:]
    /// Contextual metadata merged into every line.
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let sink: Sink

    /// - Parameters:
    ///   - label: the logger's label, written as `label`.
    ///   - metadataProvider: contextual metadata merged into every line.
    ///   - sink: where lines go; standard error by default.
    public init(label: String, metadataProvider: Logger.MetadataProvider? = LoggingSystem.metadataProvider,
                sink: @escaping Sink = JSONLogHandler.standardError) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.sink = sink
    }

    /// One key of `metadata`.
    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    /// Encodes and writes one entry.
    public func log(event: LogEvent) {
        sink(Self.line(time: LogTimestamp.now(), level: event.level, label: label, message: event.message.description,
                       error: event.error, metadata: mergedMetadata(event.metadata)))
    }

    /// Handler metadata, then the provider's, then the call's: later sources win.
    private func mergedMetadata(_ explicit: Logger.Metadata?) -> Logger.Metadata {
        var merged = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty {
            merged.merge(provided) { _, new in new }
        }
        if let explicit, !explicit.isEmpty {
            merged.merge(explicit) { _, new in new }
        }
        return merged
    }

    private static let fixedFields: Set<String> = ["time", "level", "label", "message", "error"]

    /// One encoded line; `internal` for tests.
    static func line(time: String, level: Logger.Level, label: String, message: String, error: (any Error)?,
                     metadata: Logger.Metadata) -> [UInt8] {
        var builder = JSONLineBuilder(capacity: 128 + message.utf8.count + metadata.count * 32)
        builder.field("time", time)
        builder.field("level", level.rawValue)
        builder.field("label", label)
        builder.field("message", message)
        if let error { builder.field("error", String(describing: error)) }
        for key in metadata.keys.sorted() {
            builder.field(fixedFields.contains(key) ? "metadata.\(key)" : key, metadata[key]!)
        }
        return builder.finish()
    }

    /// Serialises writers across the process so concurrent lines never interleave.
    private static let stderrLock = Mutex(())

    /// Writes a line to file descriptor 2 with one `write(2)` where possible.
    public static let standardError: Sink = { line in
        stderrLock.withLock { _ in
            line.withUnsafeBytes { buffer in
                var offset = 0
                while offset < buffer.count {
                    let written = write(2, buffer.baseAddress! + offset, buffer.count - offset)
                    if written > 0 {
                        offset += written
                    } else if written < 0, errno == EINTR {
                        continue
                    } else {
                        // stderr is gone or full beyond repair; dropping the line beats crashing.
                        return
                    }
                }
            }
        }
    }
}
