/// Why an option annotation cannot be honoured: which one, its value, and what is allowed.
public struct OptionRejection: Error, Sendable, Hashable, CustomStringConvertible {
    /// The annotation key, as the user wrote it (an unknown key is reported verbatim).
    public var annotation: String
    public var value: String
    /// What is wrong and what is allowed, for people.
    public var problem: String
    /// `false` for a key podcap does not know.
    public var known: Bool

    public init(annotation: String, value: String, problem: String, known: Bool = true) {
        self.annotation = annotation
        self.value = value
        self.problem = problem
        self.known = known
    }

    init(_ annotation: OptionAnnotation, _ value: String, _ problem: String) {
        self.init(annotation: annotation.rawValue, value: value, problem: problem)
    }

    /// A short CamelCase reason, as Kubernetes Events and metrics labels use.
    public var reason: String { known ? "InvalidOption" : "UnknownOption" }

    public var description: String {
        if !known { return "unknown annotation \(quotedValue(annotation)): \(problem)" }
        return "invalid value \(quotedValue(value)) for \(annotation): \(problem)"
    }
}

/// Quotes a user value for a message: at most 64 characters, control characters escaped, and
/// the bidirectional controls too, which would otherwise reorder the rest of an Event or log
/// line as it is displayed.
public func quotedValue(_ raw: String) -> String {
    var out = "\""
    for scalar in raw.unicodeScalars.prefix(64) {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F || isBidiControl(scalar.value):
            out += "\\u{\(String(scalar.value, radix: 16))}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    if raw.unicodeScalars.count > 64 { out += "…" }
    return out + "\""
}

/// U+061C, U+200E–U+200F, U+202A–U+202E, U+2066–U+2069 (Unicode's Bidi_Control property).
private func isBidiControl(_ value: UInt32) -> Bool {
    value == 0x061C || (0x200E...0x200F).contains(value) || (0x202A...0x202E).contains(value) || (0x2066...0x2069).contains(value)
}
