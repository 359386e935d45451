#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import YAML

/// One or more kubeconfig files merged by client-go's loading rules (`clientcmd`).
///
/// Files are taken in order; for clusters, users and contexts the first file that defines a name
/// wins, and `current-context` comes from the first file that sets it. Each entry remembers its
/// file, so relative paths resolve against that file's directory and errors name it.
struct KubeconfigSet {
    /// A named cluster, user or context body and the file it came from.
    struct Entry {
        var body: YAMLNode
        var file: String
        var baseDir: String
    }

    /// How to treat a listed file that does not exist.
    enum Missing {
        /// `--kubeconfig`: an error.
        case fail
        /// `KUBECONFIG`: skipped, as client-go does.
        case skip
    }

    /// The files read, in order.
    private(set) var files: [String] = []
    private(set) var currentContext: (name: String, file: String)?
    private(set) var contexts: [String: Entry] = [:]
    /// Context names in the order first defined, for "available contexts" messages.
    private(set) var contextNames: [String] = []
    private(set) var clusters: [String: Entry] = [:]
    private(set) var users: [String: Entry] = [:]

    /// The files read, for messages.
    var source: String { files.joined(separator: ":") }

    /// Reads `paths` in order; duplicates are read once, as client-go deduplicates them.
    static func load(paths: [String], missing: Missing) throws(KubeConfigError) -> KubeconfigSet {
        var set = KubeconfigSet()
        var listed: [String] = []
        for path in paths where !path.isEmpty && !listed.contains(path) {
            listed.append(path)
            let bytes: [UInt8]
            switch FileBytes.read(path) {
            case .success(let read):
                bytes = read
            case .failure(let failure):
                if missing == .skip && failure.errno == ENOENT { continue }
                throw .unreadableFile(path: path, field: "kubeconfig", source: missing == .skip ? "KUBECONFIG" : "kubeconfig",
                                      reason: failure.description)
            }
            try set.add(yaml: String(decoding: bytes, as: UTF8.self), path: path)
        }
        if set.files.isEmpty { throw .noKubeconfigFound(source: "KUBECONFIG", paths: listed) }
        return set
    }

    /// Merges one file's YAML under those already added.
    mutating func add(yaml: String, path: String) throws(KubeConfigError) {
        let root: YAMLNode?
        do {
            root = try YAMLParser.parse(yaml)
        } catch {
            throw .invalidYAML(path: path, reason: "\(error)")
        }
        files.append(path)
        // An empty file is an empty configuration, as in client-go.
        guard let doc = root, !doc.isNull else { return }
        guard doc.pairs != nil else { throw .invalidYAML(path: path, reason: "top level is not a mapping") }
        let baseDir = KubeConfig.directory(of: path)
        if currentContext == nil, let name = doc["current-context"]?.string, !name.isEmpty {
            currentContext = (name, path)
        }
        let fileContexts = try Self.entries(doc, list: "contexts", path: path, baseDir: baseDir)
        for (name, entry) in fileContexts where contexts[name] == nil {
            contexts[name] = entry
            contextNames.append(name)
        }
        for (name, entry) in try Self.entries(doc, list: "clusters", path: path, baseDir: baseDir) where clusters[name] == nil {
            clusters[name] = entry
        }
        for (name, entry) in try Self.entries(doc, list: "users", path: path, baseDir: baseDir) where users[name] == nil {
            users[name] = entry
        }
    }

    /// The named entries of one list, in file order; a name twice in one file is an error, as in client-go.
    private static func entries(
        _ doc: YAMLNode, list: String, path: String, baseDir: String
    ) throws(KubeConfigError) -> [(String, Entry)] {
        guard let node = doc[list], !node.isNull else { return [] }
        guard let items = node.array else { throw .invalidYAML(path: path, reason: "\(list) is not a list") }
        let item = String(list.dropLast())
        var out: [(String, Entry)] = []
        var names = Set<String>()
        for (index, entry) in items.enumerated() {
            guard let name = entry["name"]?.string, !name.isEmpty else {
                throw .missingField(path: path, field: "\(list)[\(index)].name")
            }
            guard names.insert(name).inserted else {
                throw .invalidYAML(path: path, reason: "\(list): duplicate name \"\(name)\"")
            }
            let body = entry[item] ?? .mapping([])
            try checkTypes(body, field: "\(list)[\(name)].\(item)", fields: fieldTypes[item] ?? [:], path: path)
            out.append((name, Entry(body: body, file: path, baseDir: baseDir)))
        }
        return out
    }

    enum FieldType: String {
        case string, bool, list, mapping
    }

    /// The YAML type of each field podcap reads, as client-go decodes it. client-go refuses a
    /// kubeconfig with a field of another type (`cannot unmarshal array into … of type
    /// string`); reading it as absent instead would send `token: [x]`'s requests without
    /// credentials, or treat `insecure-skip-tls-verify: maybe` as false, without a word.
    static let fieldTypes: [String: [String: FieldType]] = [
        "cluster": ["server": .string, "certificate-authority": .string, "certificate-authority-data": .string,
                    "insecure-skip-tls-verify": .bool, "tls-server-name": .string, "proxy-url": .string],
        "user": ["token": .string, "tokenFile": .string, "client-certificate": .string, "client-certificate-data": .string,
                 "client-key": .string, "client-key-data": .string, "username": .string, "password": .string, "as": .string,
                 "as-uid": .string, "as-groups": .list, "as-user-extra": .mapping, "exec": .mapping, "auth-provider": .mapping],
        "context": ["cluster": .string, "user": .string, "namespace": .string],
    ]

    /// A value for a message: YAML flow style, at most 60 characters.
    private static func brief(_ node: YAMLNode) -> String {
        let text = node.description
        return text.count > 60 ? text.prefix(60) + "…" : text
    }

    /// Throws naming the first field of `body` whose value is not null and not of its type.
    private static func checkTypes(_ body: YAMLNode, field: String, fields: [String: FieldType],
                                   path: String) throws(KubeConfigError) {
        guard !body.isNull else { return }
        guard body.pairs != nil else { throw .invalidYAML(path: path, reason: "\(field) is \(brief(body)), expected a mapping") }
        for (key, type) in fields.sorted(by: { $0.key < $1.key }) {
            guard let value = body[key], !value.isNull else { continue }
            let matches = switch type {
            case .string: value.string != nil
            case .bool: value.bool != nil
            case .list: value.array != nil
            case .mapping: value.pairs != nil
            }
            if !matches { throw .invalidYAML(path: path, reason: "\(field).\(key) is \(brief(value)), expected a \(type.rawValue)") }
        }
    }
}
