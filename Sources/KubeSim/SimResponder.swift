import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import HTTPTypes
import Hummingbird
import NIOCore

/// Routes API requests to ``KubeSim``.
struct SimResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let sim: KubeSim

    func respond(to request: Request, context: Context) async throws -> Response {
        let path = request.uri.path
        let query = Self.parseQuery(request.uri.query)
        let method = request.method.rawValue
        let arrived = ContinuousClock.now
        let isWatch = query["watch"] == "true" || query["watch"] == "1"
        await sim.passHolds(method: method, path: path)
        let response: Response
        do {
            response = try await route(request, path: path, query: query, method: method, isWatch: isWatch)
        } catch let status as SimStatus {
            response = Self.statusResponse(status)
        }
        let entry = SimRequest(method: method, path: path, query: query, arrived: arrived, code: Int(response.status.code))
        sim.bump { $0.requests.append(entry) }
        return response
    }

    private func route(_ request: Request, path: String, query: [String: String], method: String, isWatch: Bool)
        async throws -> Response
    {
        let parts = path.split(separator: "/").map(String.init)
        if ["healthz", "livez", "readyz"].contains(parts.first ?? "") && parts.count == 1 {
            return Response(status: .ok, headers: [.contentType: "text/plain"], body: .init(byteBuffer: ByteBuffer(string: "ok")))
        }
        let auth = request.headers[.authorization] ?? ""
        let tokens = sim.state.withLock { $0.tokens }
        guard auth.hasPrefix("Bearer "), tokens.contains(String(auth.dropFirst(7))) else {
            throw SimStatus.unauthorized
        }
        let fault = sim.state.withLock { s -> RequestFault? in
            guard let i = s.requestFaults.firstIndex(where: { f in
                (f.pathContains.map { path.contains($0) } ?? true) && (f.watchOnly.map { $0 == isWatch } ?? true)
                    && (f.method.map { $0 == method } ?? true)
            }) else { return nil }
            return s.requestFaults.remove(at: i)
        }
        if let fault {
            throw SimStatus(code: fault.code, reason: fault.status.reason, message: fault.status.message,
                            retryAfter: fault.retryAfterSeconds)
        }
        var body: ByteBuffer?
        if ["POST", "PUT", "PATCH", "DELETE"].contains(method) {
            var req = request
            let b = try await req.collectBody(upTo: 8 << 20)
            body = b.readableBytes > 0 ? b : nil
        }
        func json() throws(SimStatus) -> JSONValue {
            guard let body else { throw SimStatus.badRequest("request body is empty") }
            do { return try JSONValue.parse(body.readableBytesView) } catch {
                throw SimStatus.badRequest("json: cannot unmarshal request body: \(error)")
            }
        }
        let contentType = request.headers[.contentType] ?? ""

        switch parts {
        case ["api"]:
            return Self.json(["kind": "APIVersions", "versions": ["v1"],
                              "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"]]])
        case ["apis"]:
            var groups: [JSONValue] = []
            if sim.state.withLock({ $0.eventsV1Served }) {
                let gv: JSONValue = ["groupVersion": "events.k8s.io/v1", "version": "v1"]
                groups.append(["name": "events.k8s.io", "versions": [gv], "preferredVersion": gv])
            }
            return Self.json(["kind": "APIGroupList", "apiVersion": "v1", "groups": .array(groups)])
        case ["api", "v1"]:
            return Self.json(["kind": "APIResourceList", "groupVersion": "v1", "resources": [
                ["name": "pods", "singularName": "", "namespaced": true, "kind": "Pod",
                 "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]],
                ["name": "pods/status", "singularName": "", "namespaced": true, "kind": "Pod", "verbs": ["get", "patch", "update"]],
                ["name": "events", "singularName": "", "namespaced": true, "kind": "Event",
                 "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]],
            ]])
        default:
            break
        }

        // Resolve /api/v1/... and /apis/events.k8s.io/v1/... into (view, namespace?, resource, name?, subresource?).
        var rest: ArraySlice<String>
        var eventsV1 = false
        if parts.starts(with: ["api", "v1"]) {
            rest = parts.dropFirst(2)
        } else if parts.starts(with: ["apis", "events.k8s.io", "v1"]) {
            guard sim.state.withLock({ $0.eventsV1Served }) else {
                return Response(status: .notFound, headers: [.contentType: "text/plain; charset=utf-8"],
                                body: .init(byteBuffer: ByteBuffer(string: "404 page not found\n")))
            }
            rest = parts.dropFirst(3)
            eventsV1 = true
            if parts.count == 3 {
                return Self.json(["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": "events.k8s.io/v1",
                                  "resources": [["name": "events", "singularName": "", "namespaced": true, "kind": "Event",
                                                 "verbs": ["create", "delete", "get", "list", "patch", "update", "watch"]]]])
            }
        } else {
            throw SimStatus.pageNotFound()
        }
        var namespace: String?
        if rest.first == "namespaces", rest.count >= 3 {
            namespace = rest[rest.startIndex + 1]
            rest = rest.dropFirst(2)
        }
        guard let resourceName = rest.first else { throw SimStatus.pageNotFound() }
        let resource: SimResource
        switch (resourceName, eventsV1) {
        case ("pods", false): resource = .pods
        case ("events", _): resource = .events
        default: throw SimStatus.pageNotFound()
        }
        let name = rest.count >= 2 ? rest[rest.startIndex + 1] : nil
        let sub = rest.count >= 3 ? rest[rest.startIndex + 2] : nil
        if rest.count > 3 || (sub != nil && (sub != "status" || resource != .pods)) { throw SimStatus.pageNotFound() }
        let view: EventView = eventsV1 ? .eventsV1 : .core

        switch (method, name) {
        case ("GET", nil):
            if isWatch {
                guard resource == .pods else { throw SimStatus.methodNotAllowed() }
                return try sim.watchResponse(namespace: namespace, query: query)
            }
            return try sim.listResponse(resource, view: view, namespace: namespace, query: query)
        case ("POST", nil):
            guard let namespace else { throw SimStatus.methodNotAllowed() }
            var obj = try json()
            if resource == .events {
                try SimEvents.validateCreate(obj, view: view)
                obj["apiVersion"] = .string(view.apiVersion)
            }
            let created = try sim.createObject(resource, namespace: namespace, body: obj)
            return Self.json(sim.present(created, resource, view: view), status: .created)
        case ("GET", let name?):
            guard let namespace else { throw SimStatus.pageNotFound() }
            return Self.json(sim.present(try sim.getObject(resource, namespace: namespace, name: name), resource, view: view))
        case ("PUT", let name?):
            guard let namespace else { throw SimStatus.pageNotFound() }
            let obj = try json()
            let updated = try sim.updateObject(resource, namespace: namespace, name: name) { current throws(SimStatus) in
                try Self.merge(current: current, proposed: obj, resource: resource, subresource: sub, view: view)
            }
            return Self.json(sim.present(updated, resource, view: view))
        case ("PATCH", let name?):
            guard let namespace else { throw SimStatus.pageNotFound() }
            let base = contentType.split(separator: ";").first.map { $0.trimmingWhitespace() } ?? ""
            guard base == "application/merge-patch+json" || base == "application/strategic-merge-patch+json" else {
                throw SimStatus(code: 415, reason: "UnsupportedMediaType",
                                message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml")
            }
            let patch = try json()
            let updated = try sim.updateObject(resource, namespace: namespace, name: name) { current throws(SimStatus) in
                let viewed = resource == .events ? SimEvents.convert(current, to: view) : current
                let proposed = viewed.mergePatched(with: patch)
                if resource == .events { try SimEvents.validateUpdate(proposed, view: view) }
                return try Self.merge(current: current, proposed: proposed, resource: resource, subresource: sub, view: view)
            }
            return Self.json(sim.present(updated, resource, view: view))
        case ("DELETE", let name?):
            guard let namespace else { throw SimStatus.pageNotFound() }
            var grace = query["gracePeriodSeconds"].flatMap { Int($0) }
            if grace == nil, let body, let opts = try? JSONValue.parse(body.readableBytesView) {
                grace = opts["gracePeriodSeconds"]?.intValue.map { Int($0) }
            }
            let deleted = try sim.deleteObject(resource, namespace: namespace, name: name, gracePeriod: grace)
            if resource == .pods { return Self.json(sim.present(deleted, resource, view: view)) }
            return Self.json(["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success",
                              "details": ["name": .string(name), "kind": "events",
                                          "uid": deleted["metadata"]?["uid"] ?? .null]])
        default:
            throw SimStatus.methodNotAllowed()
        }
    }

    /// Applies subresource rules: the main Pod resource cannot change status, `/status` changes only status.
    static func merge(current: JSONValue, proposed: JSONValue, resource: SimResource, subresource: String?,
                      view: EventView) throws(SimStatus) -> JSONValue {
        guard case .object = proposed else { throw SimStatus.badRequest("the body of the request was not a JSON object") }
        var next = proposed
        if resource == .pods {
            if subresource == "status" {
                var kept = current
                kept["status"] = proposed["status"] ?? .object([:])
                next = kept
            } else {
                next["status"] = current["status"]
                next["kind"] = "Pod"
                next["apiVersion"] = "v1"
            }
            if next["metadata"]?["resourceVersion"] == nil { next["metadata"]?["resourceVersion"] = .string("") }
        } else {
            next["apiVersion"] = .string(view.apiVersion)
            next["kind"] = "Event"
        }
        return next
    }

    static func parseQuery(_ query: String?) -> [String: String] {
        var out: [String: String] = [:]
        guard let query, !query.isEmpty else { return out }
        for pair in query.split(separator: "&") {
            let kv = pair.split(separator: "=", maxSplits: 1)
            let decode = { (s: Substring) in percentDecoded(String(s).replacing("+", with: " ")) ?? String(s) }
            out[decode(kv[0])] = kv.count > 1 ? decode(kv[1]) : ""
        }
        return out
    }

    /// `%XX` escapes decoded as UTF-8 (`removingPercentEncoding` is not in FoundationEssentials);
    /// `nil` for a malformed escape or invalid UTF-8.
    static func percentDecoded(_ text: String) -> String? {
        var out: [UInt8] = []
        var bytes = text.utf8.makeIterator()
        while let b = bytes.next() {
            guard b == UInt8(ascii: "%") else { out.append(b); continue }
            guard let h = bytes.next(), let l = bytes.next(),
                  let hi = UInt8(String(UnicodeScalar(h)), radix: 16), let lo = UInt8(String(UnicodeScalar(l)), radix: 16)
            else { return nil }
            out.append(hi << 4 | lo)
        }
        return String(validating: out, as: UTF8.self)
    }

    static func json(_ value: JSONValue, status: HTTPResponse.Status = .ok) -> Response {
        var bytes = value.serialized()
        bytes.append(UInt8(ascii: "\n"))
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func statusResponse(_ status: SimStatus) -> Response {
        var response = json(status.json, status: HTTPResponse.Status(code: status.code))
        if let retry = status.retryAfter { response.headers[.retryAfter] = String(retry) }
        return response
    }
}
