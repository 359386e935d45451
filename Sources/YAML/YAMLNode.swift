/// A YAML document as a tree of nodes, built from libyaml's parser events (`YAMLParser`).
///
/// Aliases are resolved to the anchored node (a copy; the tree has no cycles), and merge keys
/// (`<<: *base`) are applied when a mapping is built: explicit keys win over merged ones.
/// Scalars keep their text and how they were written, so callers decide what a value means;
/// ``string``, ``bool`` and ``isNull`` apply YAML's plain-scalar resolution as kubectl
/// (YAML 1.1, as in Go's yaml.v2) does.
public indirect enum YAMLNode: Sendable, Equatable {
    case scalar(Scalar)
    case sequence([YAMLNode])
    case mapping([Pair])

    public struct Scalar: Sendable, Equatable {
        /// The scalar's content (after unquoting, escapes and folding).
        public var text: String
        /// Written without quotes and without `|`/`>`: subject to null/bool/number resolution.
        public var isPlain: Bool
        /// An explicit tag (`!!str`, `!!bool`, …) in its full form, if any.
        public var tag: String?

        public init(_ text: String, isPlain: Bool = false, tag: String? = nil) {
            self.text = text
            self.isPlain = isPlain
            self.tag = tag
        }
    }

    public struct Pair: Sendable, Equatable {
        public var key: YAMLNode
        public var value: YAMLNode
        public init(key: YAMLNode, value: YAMLNode) {
            self.key = key
            self.value = value
        }
    }

    static let nullTag = "tag:yaml.org,2002:null"
    static let boolTag = "tag:yaml.org,2002:bool"
    static let strTag = "tag:yaml.org,2002:str"

    /// `~`, `null`, an empty plain scalar, or `!!null`.
    public var isNull: Bool {
        guard case .scalar(let s) = self else { return false }
        if s.tag == Self.nullTag { return true }
        guard s.isPlain, s.tag == nil else { return false }
        switch s.text {
        case "", "~", "null", "Null", "NULL": return true
        default: return false
        }
    }

    /// The text of a scalar that is not null; `nil` for null, sequences and mappings.
    public var string: String? {
        guard case .scalar(let s) = self, !isNull else { return nil }
        return s.text
    }

    /// A plain (or `!!bool`) scalar spelling a boolean; quoted `"true"` is a string, not a bool.
    public var bool: Bool? {
        guard case .scalar(let s) = self else { return nil }
        guard (s.isPlain && s.tag == nil) || s.tag == Self.boolTag else { return nil }
        switch s.text {
        case "true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON", "y", "Y": return true
        case "false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF", "n", "N": return false
        default: return nil
        }
    }

    /// The elements of a sequence.
    public var array: [YAMLNode]? {
        if case .sequence(let items) = self { return items }
        return nil
    }

    /// The pairs of a mapping, in document order.
    public var pairs: [Pair]? {
        if case .mapping(let pairs) = self { return pairs }
        return nil
    }

    /// The value of the first pair whose key is the scalar `key`; `nil` if absent or not a mapping.
    public subscript(key: String) -> YAMLNode? {
        guard case .mapping(let pairs) = self else { return nil }
        for pair in pairs {
            if case .scalar(let k) = pair.key, k.text == key { return pair.value }
        }
        return nil
    }

    /// The element at `index` of a sequence.
    public subscript(index: Int) -> YAMLNode? {
        guard case .sequence(let items) = self, items.indices.contains(index) else { return nil }
        return items[index]
    }
}

extension YAMLNode: CustomStringConvertible {
    /// A compact flow-style rendering, for messages and test failures.
    public var description: String {
        switch self {
        case .scalar(let s): return s.isPlain ? s.text : "\"\(s.text)\""
        case .sequence(let items): return "[" + items.map(\.description).joined(separator: ", ") + "]"
        case .mapping(let pairs):
            return "{" + pairs.map { "\($0.key.description): \($0.value.description)" }.joined(separator: ", ") + "}"
        }
    }
}
