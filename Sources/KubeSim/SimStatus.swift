/// An API error in the shape of a Kubernetes `Status`, thrown inside KubeSim and turned into a response.
struct SimStatus: Error, Sendable {
    var code: Int
    var reason: String
    var message: String
    var details: JSONValue?
    var retryAfter: Int?

    var json: JSONValue {
        var o: [String: JSONValue] = [
            "kind": "Status", "apiVersion": "v1", "metadata": .object([:]), "status": "Failure",
            "message": .string(message), "reason": .string(reason), "code": .int(Int64(code)),
        ]
        if let details { o["details"] = details }
        return .object(o)
    }

    static func notFound(_ resource: String, _ name: String, group: String? = nil) -> SimStatus {
        var d: [String: JSONValue] = ["name": .string(name), "kind": .string(resource)]
        if let group { d["group"] = .string(group) }
        let qualified = group.map { "\(resource).\($0)" } ?? resource
        return SimStatus(code: 404, reason: "NotFound", message: "\(qualified) \"\(name)\" not found", details: .object(d))
    }

    static func alreadyExists(_ resource: String, _ name: String) -> SimStatus {
        SimStatus(code: 409, reason: "AlreadyExists", message: "\(resource) \"\(name)\" already exists",
                  details: ["name": .string(name), "kind": .string(resource)])
    }

    static func conflict(_ resource: String, _ name: String) -> SimStatus {
        SimStatus(code: 409, reason: "Conflict",
                  message: "Operation cannot be fulfilled on \(resource) \"\(name)\": the object has been modified; please apply your changes to the latest version and try again",
                  details: ["name": .string(name), "kind": .string(resource)])
    }

    static func badRequest(_ message: String) -> SimStatus {
        SimStatus(code: 400, reason: "BadRequest", message: message)
    }

    static func invalid(_ kind: String, _ name: String, _ message: String) -> SimStatus {
        SimStatus(code: 422, reason: "Invalid", message: "\(kind) \"\(name)\" is invalid: \(message)",
                  details: ["name": .string(name), "kind": .string(kind)])
    }

    static func expired(_ message: String) -> SimStatus {
        SimStatus(code: 410, reason: "Expired", message: message)
    }

    static let unauthorized = SimStatus(code: 401, reason: "Unauthorized", message: "Unauthorized")

    static func methodNotAllowed() -> SimStatus {
        SimStatus(code: 405, reason: "MethodNotAllowed", message: "the server does not allow this method on the requested resource")
    }

    static func pageNotFound() -> SimStatus {
        SimStatus(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
    }
}
