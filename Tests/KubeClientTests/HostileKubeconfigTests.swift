import Foundation
import KubeClient
import Testing

/// A kubeconfig with each field wrong in turn: missing, of the wrong YAML type, or a value no
/// server could have. Each is a `KubeConfigError` naming the file and the field (or, where
/// kubectl accepts the value too, a configuration that says what it took), never a crash or a
/// hang. `ConfigTests.kubeconfigBrokenVariants` has the first of each kind; this is every field.
@Suite("hostile input: a kubeconfig with each field wrong in turn")
struct HostileKubeconfigTests {
    static let path = "/nonexistent-podcap-hostile/kubeconfig"

    /// Every field podcap reads, with a valid value; a case replaces one line.
    static let valid = """
        apiVersion: v1
        kind: Config
        current-context: ctx
        clusters:
        - name: c
          cluster:
            server: https://127.0.0.1:6443
            insecure-skip-tls-verify: true
            tls-server-name: api.example
        users:
        - name: u
          user:
            token: abc
        contexts:
        - name: ctx
          context:
            cluster: c
            user: u
            namespace: team-a
        """

    enum Expected: Sendable, CustomStringConvertible {
        /// An error whose message names the file and contains this (the field, usually).
        case error(String)
        /// Loads; the check says what was taken from the field.
        case loads(@Sendable (KubeConfig) -> Bool)

        var description: String {
            switch self {
            case .error(let fragment): "error naming \(fragment)"
            case .loads: "loads"
            }
        }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        /// The line of `valid` to replace, found by its start (after indentation).
        var line: String
        /// What replaces it, at the same indentation (`nil`: the line is removed).
        var replacement: String?
        var expected: Expected
        /// The file the message must name: the kubeconfig, or the file a field points at.
        var names: String = HostileKubeconfigTests.path
        var testDescription: String { "\(line) → \(replacement.map { String($0.prefix(50)) } ?? "missing")" }

        /// `valid` with the first line starting with `line` replaced; a line ending in `:`
        /// (a mapping or list) is replaced together with the lines indented under it.
        var yaml: String {
            var rows = valid.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            guard let index = rows.firstIndex(where: { $0.drop { $0 == " " }.hasPrefix(line) }) else { return valid }
            let indent = rows[index].prefix { $0 == " " }
            var end = index + 1
            if rows[index].hasSuffix(":") {
                while end < rows.count, rows[end].prefix(while: { $0 == " " }).count > indent.count
                    || (indent.isEmpty && rows[end].hasPrefix("- ")) { end += 1 }
            }
            rows.replaceSubrange(index..<end, with: replacement.map { [indent + $0] } ?? [])
            return rows.joined(separator: "\n")
        }
    }

    static let server = "clusters[c].cluster.server"
    static let cases: [Case] = [
        // the document
        Case(line: "current-context:", replacement: nil, expected: .error("current-context")),
        Case(line: "current-context:", replacement: "current-context: [ctx]", expected: .error("current-context")),
        Case(line: "current-context:", replacement: "current-context: other", expected: .error("\"other\"")),
        Case(line: "clusters:", replacement: "clusters: 7", expected: .error("clusters is not a list")),
        Case(line: "users:", replacement: "users: {u: 1}", expected: .error("users is not a list")),
        Case(line: "contexts:", replacement: "contexts: \"ctx\"", expected: .error("contexts is not a list")),
        Case(line: "clusters:", replacement: nil, expected: .error("\"c\"")),
        Case(line: "apiVersion:", replacement: "apiVersion: [v1]", expected: .loads { $0.server == "https://127.0.0.1:6443" }),
        Case(line: "kind:", replacement: "kind: 7", expected: .loads { $0.server == "https://127.0.0.1:6443" }),
        // clusters[c]
        Case(line: "- name: c", replacement: "- name: [c]", expected: .error("c")),
        Case(line: "cluster:", replacement: "cluster: 7", expected: .error("clusters[c].cluster is 7, expected a mapping")),
        Case(line: "server:", replacement: nil, expected: .error(server)),
        Case(line: "server:", replacement: "server: \"\"", expected: .error(server)),
        Case(line: "server:", replacement: "server: ftp://127.0.0.1", expected: .error(server)),
        Case(line: "server:", replacement: "server: https://", expected: .error(server)),
        Case(line: "server:", replacement: "server: 127.0.0.1:6443", expected: .error(server)),
        Case(line: "server:", replacement: "server: \"https://[::1\"", expected: .error(server)),
        Case(line: "server:", replacement: "server: [https://a, https://b]", expected: .error(server)),
        Case(line: "server:", replacement: "server: {url: https://a}", expected: .error(server)),
        Case(line: "server:", replacement: "server: 6443", expected: .error(server)),
        Case(line: "server:", replacement: "server: \"https://a b\"", expected: .error(server)),
        Case(line: "insecure-skip-tls-verify:", replacement: "insecure-skip-tls-verify: maybe", expected: .error("insecure-skip-tls-verify is maybe, expected a bool")),
        Case(line: "insecure-skip-tls-verify:", replacement: "insecure-skip-tls-verify: \"true\"", expected: .error("expected a bool")),
        Case(line: "insecure-skip-tls-verify:", replacement: "insecure-skip-tls-verify: [true]", expected: .error("insecure-skip-tls-verify")),
        Case(line: "insecure-skip-tls-verify:", replacement: "certificate-authority-data: 7", expected: .error("certificate-authority-data")),
        Case(line: "insecure-skip-tls-verify:", replacement: "certificate-authority-data: '%%%'", expected: .error("certificate-authority-data")),
        Case(line: "insecure-skip-tls-verify:", replacement: "certificate-authority: [a]", expected: .error("certificate-authority")),
        Case(line: "insecure-skip-tls-verify:", replacement: "certificate-authority: /dev/null", expected: .error("certificate-authority"),
             names: "/dev/null"),
        // Read with a bound: never until memory runs out.
        Case(line: "insecure-skip-tls-verify:", replacement: "certificate-authority: /dev/zero", expected: .error("larger than")),
        Case(line: "insecure-skip-tls-verify:", replacement: "certificate-authority: /", expected: .error("certificate-authority")),
        Case(line: "tls-server-name:", replacement: "tls-server-name: [a]", expected: .error("tls-server-name")),
        Case(line: "tls-server-name:", replacement: "proxy-url: http://proxy:3128", expected: .error("proxy-url")),
        // users[u]
        Case(line: "- name: u", replacement: "- name: {u: 1}", expected: .error("u")),
        Case(line: "user:", replacement: "user: [token]", expected: .error("users[u].user is [token], expected a mapping")),
        Case(line: "token:", replacement: "token: [abc]", expected: .error("token")),
        Case(line: "token:", replacement: "token: {a: b}", expected: .error("token")),
        Case(line: "token:", replacement: "token: \"\"", expected: .loads { $0.token == nil }),
        Case(line: "token:", replacement: "tokenFile: /dev/zero", expected: .error("larger than")),
        Case(line: "token:", replacement: "tokenFile: [a]", expected: .error("tokenFile")),
        Case(line: "token:", replacement: "client-certificate-data: '%%%'", expected: .error("client-certificate-data")),
        Case(line: "token:", replacement: "client-key-data: 7", expected: .error("client-key")),
        Case(line: "token:", replacement: "username: [a]", expected: .error("username")),
        Case(line: "token:", replacement: "exec: 7", expected: .error("exec")),
        Case(line: "token:", replacement: "exec: {apiVersion: client.authentication.k8s.io/v9, command: x}", expected: .error("exec.apiVersion")),
        Case(line: "token:", replacement: "exec: {apiVersion: client.authentication.k8s.io/v1, command: \"\"}", expected: .error("exec.command")),
        Case(line: "token:", replacement: "exec: {apiVersion: client.authentication.k8s.io/v1, command: [x]}", expected: .error("exec.command")),
        Case(line: "token:", replacement: "exec: {apiVersion: client.authentication.k8s.io/v1, command: x, interactiveMode: Never, args: 7}",
             expected: .error("exec.args")),
        Case(line: "token:", replacement: "exec: {apiVersion: client.authentication.k8s.io/v1, command: x, interactiveMode: Never, env: [7]}",
             expected: .error("exec.env")),
        Case(line: "token:", replacement: "exec: {apiVersion: client.authentication.k8s.io/v1, command: x, interactiveMode: Sometimes}",
             expected: .error("exec.interactiveMode")),
        Case(line: "token:", replacement: "auth-provider: {name: gcp}", expected: .error("auth-provider")),
        Case(line: "token:", replacement: "auth-provider: 7", expected: .error("auth-provider")),
        Case(line: "token:", replacement: "as: [a]", expected: .error("as")),
        Case(line: "token:", replacement: "as-groups: 7", expected: .error("as-groups")),
        // contexts[ctx]
        Case(line: "- name: ctx", replacement: "- name: 7", expected: .error("ctx")),
        Case(line: "context:", replacement: "context: 7", expected: .error("context")),
        Case(line: "cluster: c", replacement: nil, expected: .error("contexts[ctx].context.cluster")),
        Case(line: "cluster: c", replacement: "cluster: nope", expected: .error("\"nope\"")),
        Case(line: "cluster: c", replacement: "cluster: [c]", expected: .error("contexts[ctx].context.cluster")),
        Case(line: "user: u", replacement: "user: nope", expected: .error("\"nope\"")),
        Case(line: "user: u", replacement: "user: {u: 1}", expected: .error("contexts[ctx].context.user")),
        Case(line: "namespace:", replacement: "namespace: [a]", expected: .error("namespace")),
        Case(line: "namespace:", replacement: nil, expected: .loads { $0.namespace == "default" }),
        // not YAML, or YAML no kubeconfig is
        Case(line: "apiVersion:", replacement: "apiVersion: [v1", expected: .error("not a valid kubeconfig")),
        Case(line: "apiVersion:", replacement: "&a [*a]", expected: .error("not a valid kubeconfig: found undefined alias")),
        Case(line: "apiVersion:", replacement: "- a list", expected: .error("not a valid kubeconfig")),
    ]

    @Test("each field wrong in turn", arguments: cases)
    func field(_ entry: Case) {
        #expect(entry.yaml != Self.valid, "the case changes the kubeconfig")
        do {
            let config = try KubeConfig.fromKubeconfig(yaml: entry.yaml, path: Self.path)
            guard case .loads(let check) = entry.expected else {
                Issue.record("loaded (server \(config.server), namespace \(config.namespace)); expected \(entry.expected)")
                return
            }
            #expect(check(config))
        } catch {
            guard case .error(let fragment) = entry.expected else {
                Issue.record("expected it to load: \(error)")
                return
            }
            #expect(error.description.contains(entry.names), "the message names the file: \(error)")
            #expect(error.description.contains(fragment), "\(error)")
            #expect(!error.description.contains("\n"), "one line: \(error)")
        }
    }

    @Test("the valid kubeconfig loads, so each case tests its one field")
    func valid() throws {
        let config = try KubeConfig.fromKubeconfig(yaml: Self.valid, path: Self.path)
        #expect(config.server == "https://127.0.0.1:6443" && config.namespace == "team-a" && config.token == .literal("abc"))
        #expect(config.tlsServerName == "api.example" && config.insecureSkipTLSVerify)
    }
}
