/// A parsed `fieldSelector` or `labelSelector`.
struct Selector: Sendable {
    enum Op: Sendable { case equals, notEquals, exists, notExists, `in`, notIn }
    struct Requirement: Sendable {
        var key: String
        var op: Op
        var values: [String]
    }

    var requirements: [Requirement] = []

    static let supportedPodFields: Set<String> = [
        "metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy", "spec.schedulerName",
        "spec.serviceAccountName", "status.phase", "status.podIP", "status.nominatedNodeName",
    ]
    static let supportedEventFields: Set<String> = [
        "metadata.name", "metadata.namespace", "involvedObject.kind", "involvedObject.namespace",
        "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion", "involvedObject.resourceVersion",
        "involvedObject.fieldPath", "reason", "reportingComponent", "source", "type", "regarding.name",
    ]

    struct ParseError: Error { var message: String }

    /// Field selectors: `a=b`, `a==b`, `a!=b`, comma-separated.
    static func field(_ raw: String?, supported: Set<String>) throws(ParseError) -> Selector {
        var s = Selector()
        guard let raw, !raw.isEmpty else { return s }
        for term in raw.split(separator: ",") {
            let t = String(term)
            let op: Op
            let parts: [String]
            if let r = t.firstRange(of: "!=") {
                op = .notEquals
                parts = [String(t[..<r.lowerBound]), String(t[r.upperBound...])]
            } else if let r = t.firstRange(of: "==") {
                op = .equals
                parts = [String(t[..<r.lowerBound]), String(t[r.upperBound...])]
            } else if let r = t.firstRange(of: "=") {
                op = .equals
                parts = [String(t[..<r.lowerBound]), String(t[r.upperBound...])]
            } else {
                throw ParseError(message: "invalid selector: '\(raw)'; can't understand '\(t)'")
            }
            let key = parts[0].trimmingWhitespace()
            guard supported.contains(key) else {
                throw ParseError(message: "field label not supported: \(key)")
            }
            s.requirements.append(Requirement(key: key, op: op, values: [parts[1].trimmingWhitespace()]))
        }
        return s
    }

    /// Label selectors: equality, inequality, `in`, `notin`, existence.
    static func label(_ raw: String?) throws(ParseError) -> Selector {
        var s = Selector()
        guard let raw, !raw.isEmpty else { return s }
        var terms: [String] = []
        var depth = 0
        var current = ""
        for ch in raw {
            if ch == "(" { depth += 1 } else if ch == ")" { depth -= 1 }
            if ch == "," && depth == 0 { terms.append(current); current = "" } else { current.append(ch) }
        }
        terms.append(current)
        for term in terms {
            let t = term.trimmingWhitespace()
            if t.isEmpty { throw ParseError(message: "invalid label selector: '\(raw)'") }
            let words = t.split(separator: " ", maxSplits: 1).map(String.init)
            if words.count == 2, let rest = words.last?.trimmingWhitespace(),
               rest.hasPrefix("in ") || rest.hasPrefix("notin ") || rest.hasPrefix("in(") || rest.hasPrefix("notin(") {
                let isIn = rest.hasPrefix("in")
                guard let open = rest.firstIndex(of: "("), let close = rest.lastIndex(of: ")") else {
                    throw ParseError(message: "invalid label selector: '\(raw)'")
                }
                let values = rest[rest.index(after: open)..<close].split(separator: ",")
                    .map { $0.trimmingWhitespace() }
                s.requirements.append(Requirement(key: words[0], op: isIn ? .in : .notIn, values: values))
            } else if let r = t.firstRange(of: "!=") {
                s.requirements.append(Requirement(key: String(t[..<r.lowerBound]).trimmingWhitespace(),
                                                  op: .notEquals, values: [String(t[r.upperBound...]).trimmingWhitespace()]))
            } else if let r = t.firstRange(of: "==") ?? t.firstRange(of: "=") {
                s.requirements.append(Requirement(key: String(t[..<r.lowerBound]).trimmingWhitespace(),
                                                  op: .equals, values: [String(t[r.upperBound...]).trimmingWhitespace()]))
            } else if t.hasPrefix("!") {
                s.requirements.append(Requirement(key: String(t.dropFirst()), op: .notExists, values: []))
            } else {
                s.requirements.append(Requirement(key: t, op: .exists, values: []))
            }
        }
        return s
    }

    /// Evaluates against a value lookup (`nil`: absent).
    func matches(_ lookup: (String) -> String?) -> Bool {
        for r in requirements {
            let v = lookup(r.key)
            switch r.op {
            case .equals: if (v ?? "") != r.values[0] { return false }
            case .notEquals: if (v ?? "") == r.values[0] { return false }
            case .exists: if v == nil { return false }
            case .notExists: if v != nil { return false }
            case .in: if v == nil || !r.values.contains(v!) { return false }
            case .notIn: if let v, r.values.contains(v) { return false }
            }
        }
        return true
    }

    var isEmpty: Bool { requirements.isEmpty }
}

#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
