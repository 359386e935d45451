import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Hummingbird
import NIOCore

extension KubeSim {
    /// Thrown inside a watch body to abort the connection (fault injection).
    struct InjectedDrop: Error {}

    func watchResponse(namespace: String?, query: [String: String]) throws(SimStatus) -> Response {
        let matches = try Self.matcher(.pods, query: query)
        let bookmarks = query["allowWatchBookmarks"] == "true"
        let timeout = query["timeoutSeconds"].flatMap { Int($0) } ?? 1800
        let rvParam = query["resourceVersion"] ?? ""
        var startRV: Int?
        if !rvParam.isEmpty && rvParam != "0" {
            guard let v = Int(rvParam) else { throw SimStatus.badRequest("invalid resource version: \(rvParam)") }
            startRV = v
        }
        let fault = state.withLock { s -> WatchFault? in s.watchFaults.isEmpty ? nil : s.watchFaults.removeFirst() }
        if fault == .expiredAsHTTPStatus {
            throw SimStatus(code: 410, reason: "Gone", message: "too old resource version: \(rvParam)")
        }
        let prefix = namespace.map { $0 + "/" }
        let inScope: @Sendable (JSONValue) -> Bool = { obj in
            guard let prefix else { return true }
            let ns = obj["metadata"]?["namespace"]?.stringValue ?? ""
            return (ns + "/").hasPrefix(prefix)
        }
        let selected: @Sendable (JSONValue) -> Bool = { inScope($0) && matches($0) }
        let start = startRV
        let body = ResponseBody { writer in
            self.state.withLock { $0.openWatches += 1 }
            defer { self.state.withLock { $0.openWatches -= 1 } }
            try await self.streamWatch(
                writer: &writer, startRV: start, selected: selected, bookmarks: bookmarks,
                deadline: .now + .seconds(timeout), fault: fault, namespace: namespace)
        }
        return Response(status: .ok, headers: [.contentType: "application/json"], body: body)
    }

    private static func line(_ type: String, _ object: JSONValue) -> ByteBuffer {
        var bytes = JSONValue.object(["type": .string(type), "object": object]).serialized()
        bytes.append(UInt8(ascii: "\n"))
        return ByteBuffer(bytes: bytes)
    }

    private static func bookmark(_ rv: Int) -> ByteBuffer {
        line("BOOKMARK", ["kind": "Pod", "apiVersion": "v1",
                          "metadata": ["resourceVersion": .string(String(rv)), "creationTimestamp": nil],
                          "spec": ["containers": nil], "status": [:]])
    }

    private static func expiredEvent(_ asked: Int, _ oldest: Int) -> ByteBuffer {
        line("ERROR", SimStatus.expired("too old resource version: \(asked) (\(oldest + 1))").json)
    }

    private func streamWatch(
        writer: inout any ResponseBodyWriter, startRV: Int?, selected: @Sendable (JSONValue) -> Bool, bookmarks: Bool,
        deadline: ContinuousClock.Instant, fault: WatchFault?, namespace: String?
    ) async throws {
        var sent = 0
        let (startBookmarkGen, startDropGen) = state.withLock { ($0.bookmarkGeneration, $0.dropGeneration) }
        var lastBookmarkGen = startBookmarkGen
        let interval = state.withLock { $0.bookmarkInterval }
        var nextBookmark = ContinuousClock.now + interval

        // Fault hook after each event; returns false to end the stream cleanly.
        func afterEvent() async throws -> Bool {
            switch fault {
            case .dropAfter(let k)? where sent >= k:
                throw InjectedDrop()
            case .stallAfter(let k)? where sent >= k:
                while ContinuousClock.now < deadline && !isShuttingDown {
                    let gen = generation
                    await awaitChange(after: gen, timeout: min(.milliseconds(200), deadline - .now))
                }
                return false
            case .garbageAfter(let k)? where sent == k:
                try await writer.write(ByteBuffer(string: "{\"type\":\"MODIFIED\",\"object\":{garbage\n"))
            default:
                break
            }
            return true
        }

        if fault == .expiredAsEvent {
            try await writer.write(Self.expiredEvent(startRV ?? 0, state.withLock { $0.compactedRV }))
            try await writer.finish(nil)
            return
        }
        if let f = fault, case .dropAfter(0) = f { throw InjectedDrop() }
        if let f = fault, case .stallAfter(0) = f { _ = try await afterEvent(); try await writer.finish(nil); return }

        var cursor: Int
        if let startRV {
            cursor = startRV
        } else {
            // No resourceVersion: synthetic ADDED for the current state, then changes from there.
            let (items, rv) = listObjects(.pods, namespace: namespace, where: selected)
            for item in items {
                try await writer.write(Self.line("ADDED", item))
                sent += 1
                if try await !afterEvent() { try await writer.finish(nil); return }
            }
            cursor = rv
        }

        while ContinuousClock.now < deadline {
            let gen = generation
            let snapshot = state.withLock { s -> (changes: [SimChange], expired: Int?, bookmarkGen: Int, dropGen: Int, down: Bool) in
                if cursor < s.compactedRV { return ([], s.compactedRV, s.bookmarkGeneration, s.dropGeneration, s.shuttingDown) }
                let start = s.history.partitioningIndex { $0.rv > cursor }
                return (Array(s.history[start...]), nil, s.bookmarkGeneration, s.dropGeneration, s.shuttingDown)
            }
            if snapshot.down { break }
            if snapshot.dropGen != startDropGen { throw InjectedDrop() }
            if let oldest = snapshot.expired {
                try await writer.write(Self.expiredEvent(cursor, oldest))
                break
            }
            for change in snapshot.changes {
                cursor = change.rv
                guard change.resource == .pods else { continue }
                let now = selected(change.object)
                let before = change.previous.map(selected) ?? false
                let type: String?
                switch change.type {
                case "ADDED": type = now ? "ADDED" : nil
                case "MODIFIED": type = now ? (before ? "MODIFIED" : "ADDED") : (before ? "DELETED" : nil)
                default: type = before ? "DELETED" : nil
                }
                guard let type else { continue }
                if case .halfLineAfter(let k)? = fault, sent == k {
                    let full = Self.line(type, change.object)
                    try await writer.write(full.getSlice(at: full.readerIndex, length: full.readableBytes / 2)!)
                    // End the body cleanly: an abort could discard the unflushed half before it reaches the client.
                    try await writer.finish(nil)
                    return
                }
                try await writer.write(Self.line(type, change.object))
                sent += 1
                if try await !afterEvent() { try await writer.finish(nil); return }
            }
            if bookmarks && (snapshot.bookmarkGen != lastBookmarkGen || ContinuousClock.now >= nextBookmark) {
                lastBookmarkGen = snapshot.bookmarkGen
                nextBookmark = .now + interval
                try await writer.write(Self.bookmark(cursor))
            }
            let wake = bookmarks ? min(deadline, nextBookmark) : deadline
            await awaitChange(after: gen, timeout: wake - .now)
        }
        try await writer.finish(nil)
    }
}

extension Array {
    /// First index whose element satisfies `predicate`, for a predicate false then true along the array.
    func partitioningIndex(where predicate: (Element) -> Bool) -> Int {
        var low = 0
        var high = count
        while low < high {
            let mid = (low + high) / 2
            if predicate(self[mid]) { high = mid } else { low = mid + 1 }
        }
        return low
    }
}
