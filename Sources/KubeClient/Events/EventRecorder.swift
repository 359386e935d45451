#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Logging

/// Writes Events about Pods with client-side aggregation, like client-go's events broadcaster.
///
/// The first occurrence of a (Pod, type, reason, message) creates an Event; repeats within
/// ``Options/seriesWindow`` PATCH that Event's series count instead of creating new objects, so a
/// crash-looping capture cannot flood the API. Uses `events.k8s.io/v1`, falling back to core/v1
/// for good once the group answers 404.
public actor EventRecorder {
    /// Tunables.
    public struct Options: Sendable {
        /// `reportingController`, e.g. `tcpdump.antrea.io/podcap`.
        public var reportingController: String
        /// `reportingInstance`, e.g. `podcap-<node>`.
        public var reportingInstance: String
        /// Repeats within this window join the existing Event's series.
        public var seriesWindow: Duration
        /// Most distinct Events remembered for aggregation.
        public var cacheSize: Int

        public init(
            reportingController: String = "tcpdump.antrea.io/podcap", reportingInstance: String,
            seriesWindow: Duration = .seconds(360), cacheSize: Int = 4096
        ) {
            self.reportingController = reportingController
            self.reportingInstance = reportingInstance
            self.seriesWindow = seriesWindow
            self.cacheSize = cacheSize
        }
    }

    /// Which API an Event was written to.
    public enum API: String, Sendable { case eventsV1 = "events.k8s.io/v1", coreV1 = "v1" }

    private struct Key: Hashable {
        var namespace, name, uid, type, reason, message: String
    }

    private struct Entry {
        var eventName: String
        var api: API
        var count: Int
        var first: Date
        var last: ContinuousClock.Instant
    }

    private let client: KubernetesClient
    private let options: Options
    private let logger: Logger
    private var useCoreV1 = false
    private var cache: [Key: Entry] = [:]

    public init(client: KubernetesClient, options: Options, logger: Logger = Logger(label: "podcap.events")) {
        self.client = client
        self.options = options
        self.logger = logger
    }

    /// Records an Event about `pod`.
    ///
    /// - Returns: the Event's name, API, and series count (1 for a new Event).
    @discardableResult
    public func record(
        about pod: Pod, type: EventType = .normal, reason: String, message: String, action: String = "Capture"
    ) async throws(KubeAPIError) -> (name: String, api: API, count: Int) {
        let key = Key(namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid,
                      type: type.rawValue, reason: reason, message: message)
        let now = ContinuousClock.now
        let wall = Date()
        if var entry = cache[key], now - entry.last < options.seriesWindow {
            entry.count += 1
            entry.last = now
            do {
                try await patchSeries(entry, namespace: key.namespace, at: wall)
                cache[key] = entry
                return (entry.eventName, entry.api, entry.count)
            } catch where error.httpCode == 404 {
                // The Event expired (default TTL 1 h) or was deleted: start a new one.
                cache[key] = nil
            }
        }
        let created = try await create(pod: pod, type: type, reason: reason, message: message, action: action, at: wall)
        if cache.count >= options.cacheSize, let oldest = cache.min(by: { $0.value.last < $1.value.last }) {
            cache[oldest.key] = nil
        }
        cache[key] = Entry(eventName: created.name, api: created.api, count: 1, first: wall, last: now)
        return (created.name, created.api, 1)
    }

    /// Same naming scheme as client-go, object name plus a unique hex suffix, but at most the
    /// 253 bytes the API server accepts: a Pod name of 237 bytes or more would otherwise get
    /// every Event refused (422). The Pod's part is cut, ending on a letter or digit as a
    /// DNS subdomain must; the Event's `regarding` still names the whole Pod.
    static func eventName(pod: String, at time: Date) -> String {
        let suffix = String(UInt64(time.timeIntervalSince1970 * 1e9), radix: 16)
        var base = pod.utf8.prefix(253 - 1 - suffix.utf8.count)
        while let last = base.last, !((0x30...0x39).contains(last) || (0x61...0x7A).contains(last)) { base = base.dropLast() }
        return String(decoding: base, as: UTF8.self) + "." + suffix
    }

    private func create(
        pod: Pod, type: EventType, reason: String, message: String, action: String, at time: Date
    ) async throws(KubeAPIError) -> (name: String, api: API) {
        let ns = pod.metadata.namespace
        let name = Self.eventName(pod: pod.metadata.name, at: time)
        let regarding = ObjectReference(pod: pod)
        if !useCoreV1 {
            let event = EventsV1Event(
                metadata: .init(name: name, namespace: ns), eventTime: Self.microTime(time),
                reportingController: options.reportingController, reportingInstance: options.reportingInstance,
                action: action, reason: reason, regarding: regarding, note: String(message.prefix(1024)),
                type: type.rawValue)
            do {
                _ = try await client.send(.POST, path: "/apis/events.k8s.io/v1/namespaces/\(ns)/events",
                                          body: try Self.encode(event))
                return (name, .eventsV1)
            } catch where error.httpCode == 404 && !(error.isNamespaceNotFound) {
                logger.info("events.k8s.io/v1 not served; falling back to core/v1 Events")
                useCoreV1 = true
            }
        }
        let stamp = Self.seconds(time)
        let event = CoreV1Event(
            metadata: .init(name: name, namespace: ns), involvedObject: regarding, reason: reason, message: message,
            type: type.rawValue, source: .init(component: options.reportingController, host: nil),
            firstTimestamp: stamp, lastTimestamp: stamp, count: 1,
            reportingComponent: options.reportingController, reportingInstance: options.reportingInstance,
            action: action, eventTime: nil)
        _ = try await client.send(.POST, path: "/api/v1/namespaces/\(ns)/events", body: try Self.encode(event))
        return (name, .coreV1)
    }

    private func patchSeries(_ entry: Entry, namespace: String, at time: Date) async throws(KubeAPIError) {
        let body: [UInt8]
        let path: String
        switch entry.api {
        case .eventsV1:
            path = "/apis/events.k8s.io/v1/namespaces/\(namespace)/events/\(entry.eventName)"
            body = try Self.encode(["series": EventSeries(count: entry.count, lastObservedTime: Self.microTime(time))])
        case .coreV1:
            path = "/api/v1/namespaces/\(namespace)/events/\(entry.eventName)"
            body = try Self.encode(CoreV1CountPatch(count: entry.count, lastTimestamp: Self.seconds(time)))
        }
        _ = try await client.send(.PATCH, path: path, body: body, contentType: "application/merge-patch+json")
    }

    private static func encode<T: Encodable>(_ value: T) throws(KubeAPIError) -> [UInt8] {
        do { return Array(try JSONEncoder().encode(value)) } catch { throw .decoding("\(error)") }
    }

    /// `metav1.MicroTime`: RFC 3339 with exactly six fractional digits.
    static func microTime(_ date: Date) -> String {
        let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded(.down))
        let secondsPart = Date(timeIntervalSince1970: TimeInterval(micros / 1_000_000))
        let base = seconds(secondsPart).dropLast()  // strip "Z"
        let frac = String(micros % 1_000_000)
        return base + "." + String(repeating: "0", count: 6 - frac.count) + frac + "Z"
    }

    /// `metav1.Time`: RFC 3339 in whole seconds.
    static func seconds(_ date: Date) -> String {
        var f = Date.ISO8601FormatStyle()
        f.timeZone = .gmt
        return f.format(date)
    }
}

extension KubeAPIError {
    /// A 404 about the namespace rather than the API group (the namespace must not trigger the fallback).
    var isNamespaceNotFound: Bool {
        if case .http(404, let status?, _) = self { return status.message?.hasPrefix("namespaces ") == true }
        return false
    }
}
