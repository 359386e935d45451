import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Hummingbird
import NIOCore

extension KubeSim {
    /// The object as a client sees it through `view`.
    func present(_ obj: JSONValue, _ r: SimResource, view: EventView) -> JSONValue {
        r == .events ? SimEvents.convert(obj, to: view) : obj
    }

    /// Values a field selector can test on a stored object.
    static func fieldValue(_ obj: JSONValue, _ field: String) -> String? {
        if field == "source" { return obj["source"]?["component"]?.stringValue ?? "" }
        if field.hasPrefix("regarding.") {
            return obj[path: field]?.stringValue ?? obj[path: "involvedObject." + field.dropFirst(10)]?.stringValue ?? ""
        }
        return obj[path: field]?.stringValue ?? ""
    }

    static func matcher(_ r: SimResource, query: [String: String]) throws(SimStatus) -> @Sendable (JSONValue) -> Bool {
        let fields: Selector
        let labels: Selector
        do {
            fields = try Selector.field(query["fieldSelector"],
                                        supported: r == .pods ? Selector.supportedPodFields : Selector.supportedEventFields)
            labels = try Selector.label(query["labelSelector"])
        } catch {
            throw SimStatus.badRequest("unable to parse requirement: \(error.message)")
        }
        return { obj in
            fields.matches { fieldValue(obj, $0) }
                && labels.matches { obj["metadata"]?["labels"]?[$0]?.stringValue }
        }
    }

    private struct ContinueToken: Codable {
        var rv: Int
        var snapshot: Int
        var offset: Int
    }

    func listResponse(_ r: SimResource, view: EventView, namespace: String?, query: [String: String]) throws(SimStatus)
        -> Response
    {
        let matches = try Self.matcher(r, query: query)
        let limit = query["limit"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
        var items: [JSONValue]
        var rv: Int
        var offset = 0
        var snapshotID: Int?
        if let token = query["continue"], !token.isEmpty {
            guard let data = Data(base64Encoded: token), let t = try? JSONDecoder().decode(ContinueToken.self, from: data) else {
                throw SimStatus.badRequest("continue key is not valid: illegal base64 data")
            }
            let snap = state.withLock { s -> (rv: Int, items: [JSONValue])? in
                t.rv < s.compactedRV ? nil : s.snapshots[t.snapshot]
            }
            guard let snap else {
                throw SimStatus.expired("The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.")
            }
            (rv, items, offset, snapshotID) = (snap.rv, snap.items, t.offset, t.snapshot)
        } else {
            if query["resourceVersionMatch"] == "Exact", let asked = query["resourceVersion"].flatMap({ Int($0) }),
               asked < state.withLock({ $0.compactedRV }) {
                throw SimStatus.expired("too old resource version: \(asked) (\(state.withLock { $0.compactedRV }))")
            }
            (items, rv) = listObjects(r, namespace: namespace, where: matches)
        }
        var meta: [String: JSONValue] = ["resourceVersion": .string(String(rv))]
        var page = Array(items.dropFirst(offset))
        if let limit, page.count > limit {
            page = Array(page.prefix(limit))
            let id = snapshotID ?? state.withLock { s -> Int in
                let id = s.nextSnapshot
                s.nextSnapshot += 1
                s.snapshots[id] = (rv, items)
                // Keep only recent snapshots: a continue token is meant to be used promptly.
                if s.snapshots.count > 32, let oldest = s.snapshots.keys.min() { s.snapshots[oldest] = nil }
                return id
            }
            let token = ContinueToken(rv: rv, snapshot: id, offset: offset + limit)
            meta["continue"] = .string((try? JSONEncoder().encode(token))?.base64EncodedString() ?? "")
            meta["remainingItemCount"] = .int(Int64(items.count - offset - limit))
        }
        let listItems: [JSONValue] = page.map { obj in
            var o = present(obj, r, view: view)
            o["kind"] = nil
            o["apiVersion"] = nil
            return o
        }
        let kind = r == .pods ? "PodList" : "EventList"
        return SimResponder.json(["kind": .string(kind), "apiVersion": .string(r == .pods ? "v1" : view.apiVersion),
                                  "metadata": .object(meta), "items": .array(listItems)])
    }
}
