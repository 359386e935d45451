import CLibYAML

/// A YAML syntax error, with libyaml's position (1-based) and problem text.
public struct YAMLError: Error, Sendable, Equatable, CustomStringConvertible {
    public var problem: String
    public var line: Int
    public var column: Int
    public var context: String?

    public var description: String {
        let at = "line \(line) column \(column)"
        if let context { return "\(problem) \(context) at \(at)" }
        return "\(problem) at \(at)"
    }
}

/// Parses YAML text with libyaml (YAML 1.1, the dialect kubectl reads) into ``YAMLNode`` trees.
public enum YAMLParser {
    /// The first document of `text`; `nil` for an empty stream.
    public static func parse(_ text: String) throws(YAMLError) -> YAMLNode? {
        try parseAll(text, limit: 1).first
    }

    /// Every document of a `---`-separated stream.
    public static func parseAll(_ text: String) throws(YAMLError) -> [YAMLNode] {
        try parseAll(text, limit: Int.max)
    }

    static func parseAll(_ text: String, limit: Int) throws(YAMLError) -> [YAMLNode] {
        var bytes = Array(text.utf8)
        if bytes.isEmpty { bytes = [0x0a] }  // libyaml rejects a zero-length buffer pointer
        let result: Result<[YAMLNode], YAMLError> = bytes.withUnsafeBufferPointer { buffer in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else {
                return .failure(YAMLError(problem: "libyaml could not allocate a parser", line: 0, column: 0))
            }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var builder = TreeBuilder()
            var documents: [YAMLNode] = []
            while documents.count < limit {
                var event = yaml_event_t()
                guard yaml_parser_parse(&parser, &event) == 1 else { return .failure(Self.error(parser)) }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT { break }
                do throws(YAMLError) {
                    if let document = try builder.consume(event) { documents.append(document) }
                } catch {
                    return .failure(error)
                }
            }
            return .success(documents)
        }
        return try result.get()
    }

    private static func error(_ parser: yaml_parser_t) -> YAMLError {
        let problem = parser.problem.map { String(cString: $0) } ?? "invalid YAML"
        let context = parser.context.map { String(cString: $0) }
        return YAMLError(
            problem: problem, line: Int(parser.problem_mark.line) + 1, column: Int(parser.problem_mark.column) + 1,
            context: context)
    }
}

/// Folds libyaml's event stream into nodes: a stack of open collections plus the anchor table.
struct TreeBuilder {
    private enum Open {
        case sequence(anchor: String?, items: [YAMLNode])
        case mapping(anchor: String?, pairs: [YAMLNode.Pair], pendingKey: YAMLNode?, merged: [YAMLNode.Pair])
    }

    private var stack: [Open] = []
    private var anchors: [String: YAMLNode] = [:]
    private var document: YAMLNode?

    /// Feeds one event; returns the finished document at its DOCUMENT-END.
    mutating func consume(_ event: yaml_event_t) throws(YAMLError) -> YAMLNode? {
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            anchors = [:]
            document = nil
        case YAML_DOCUMENT_END_EVENT:
            defer { document = nil }
            return document ?? .scalar(.init("", isPlain: true))
        case YAML_SCALAR_EVENT:
            let s = event.data.scalar
            let text = s.value.map { String(decoding: UnsafeBufferPointer(start: $0, count: s.length), as: UTF8.self) } ?? ""
            let node = YAMLNode.scalar(.init(
                text, isPlain: s.style == YAML_PLAIN_SCALAR_STYLE || s.style == YAML_ANY_SCALAR_STYLE,
                tag: Self.string(s.tag)))
            if let anchor = Self.string(s.anchor) { anchors[anchor] = node }
            add(node)
        case YAML_ALIAS_EVENT:
            // libyaml's parser leaves alias resolution to the composer, that is, to us.
            let name = Self.string(event.data.alias.anchor) ?? ""
            guard let node = anchors[name] else {
                throw YAMLError(problem: "found undefined alias *\(name)", line: Int(event.start_mark.line) + 1,
                                column: Int(event.start_mark.column) + 1)
            }
            add(node)
        case YAML_SEQUENCE_START_EVENT:
            stack.append(.sequence(anchor: Self.string(event.data.sequence_start.anchor), items: []))
        case YAML_MAPPING_START_EVENT:
            stack.append(.mapping(anchor: Self.string(event.data.mapping_start.anchor), pairs: [], pendingKey: nil, merged: []))
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let open = stack.popLast() else { break }
            let node: YAMLNode
            let anchor: String?
            switch open {
            case .sequence(let a, let items):
                node = .sequence(items)
                anchor = a
            case .mapping(let a, let pairs, _, let merged):
                // Explicit keys override merged ones (YAML merge-key semantics).
                var all = pairs
                for pair in merged where !pairs.contains(where: { $0.key == pair.key }) { all.append(pair) }
                node = .mapping(all)
                anchor = a
            }
            if let anchor { anchors[anchor] = node }
            add(node)
        default:
            break
        }
        return nil
    }

    private mutating func add(_ node: YAMLNode) {
        guard let top = stack.popLast() else {
            document = node
            return
        }
        switch top {
        case .sequence(let anchor, var items):
            items.append(node)
            stack.append(.sequence(anchor: anchor, items: items))
        case .mapping(let anchor, var pairs, let pendingKey, var merged):
            if let key = pendingKey {
                if case .scalar(let k) = key, k.isPlain, k.text == "<<" {
                    for source in node.array ?? [node] {
                        for pair in source.pairs ?? [] where !merged.contains(where: { $0.key == pair.key }) {
                            merged.append(pair)
                        }
                    }
                } else {
                    pairs.append(.init(key: key, value: node))
                }
                stack.append(.mapping(anchor: anchor, pairs: pairs, pendingKey: nil, merged: merged))
            } else {
                stack.append(.mapping(anchor: anchor, pairs: pairs, pendingKey: node, merged: merged))
            }
        }
    }

    private static func string(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }
}
