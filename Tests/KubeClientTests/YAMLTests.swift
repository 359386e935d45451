import Foundation
import KubeClient
import Testing
import YAML

@Suite("YAML (libyaml)")
struct YAMLTests {
    @Test func scalarsResolveLikeKubectl() throws {
        let doc = try #require(try YAMLParser.parse("""
            a: plain
            b: "double \\"quoted\\"\\n"
            c: 'single ''quoted'''
            d: true
            e: "true"
            f: ~
            g:
            h: null
            i: 0644
            j: !!str true
            k: off
            """))
        #expect(doc["a"]?.string == "plain")
        #expect(doc["b"]?.string == "double \"quoted\"\n")
        #expect(doc["c"]?.string == "single 'quoted'")
        #expect(doc["d"]?.bool == true)
        #expect(doc["e"]?.bool == nil && doc["e"]?.string == "true")
        #expect(doc["f"]?.isNull == true && doc["f"]?.string == nil)
        #expect(doc["g"]?.isNull == true && doc["h"]?.isNull == true)
        #expect(doc["i"]?.string == "0644")
        #expect(doc["j"]?.bool == nil && doc["j"]?.string == "true")
        #expect(doc["k"]?.bool == false)
        #expect(doc["missing"] == nil)
    }

    @Test func multiLineStrings() throws {
        let doc = try #require(try YAMLParser.parse("""
            literal: |
              line one
              line two
            folded: >
              folded
              into one
            strip: |-
              no newline
            keep: |+
              kept

            plain: first
              continued
            quoted: "a
              b"
            """))
        #expect(doc["literal"]?.string == "line one\nline two\n")
        #expect(doc["folded"]?.string == "folded into one\n")
        #expect(doc["strip"]?.string == "no newline")
        #expect(doc["keep"]?.string == "kept\n\n")
        #expect(doc["plain"]?.string == "first continued")
        #expect(doc["quoted"]?.string == "a b")
        // Block scalars are never booleans, whatever they spell.
        #expect(try YAMLParser.parse("x: |\n  true\n")?["x"]?.bool == nil)
    }

    @Test func flowStyle() throws {
        let doc = try #require(try YAMLParser.parse("""
            context: {cluster: c, user: u, namespace: "team-a"}
            list: [a, 'b', {k: v}, [1, 2]]
            empty: {}
            none: []
            """))
        #expect(doc["context"]?["cluster"]?.string == "c")
        #expect(doc["context"]?["namespace"]?.string == "team-a")
        #expect(doc["list"]?.array?.count == 4)
        #expect(doc["list"]?[2]?["k"]?.string == "v")
        #expect(doc["list"]?[3]?[1]?.string == "2")
        #expect(doc["empty"]?.pairs?.isEmpty == true)
        #expect(doc["none"]?.array?.isEmpty == true)
    }

    @Test func anchorsAliasesAndMergeKeys() throws {
        let doc = try #require(try YAMLParser.parse("""
            base: &base
              server: https://k.example:6443
              insecure-skip-tls-verify: true
            token: &tok abc
            clusters:
            - name: a
              cluster: *base
            - name: b
              cluster:
                <<: *base
                server: https://other:6443
            - name: c
              cluster:
                <<: [*base, {extra: x}]
            users:
            - {name: u, user: {token: *tok}}
            """))
        let clusters = try #require(doc["clusters"]?.array)
        #expect(clusters[0]["cluster"] == doc["base"])
        #expect(clusters[1]["cluster"]?["server"]?.string == "https://other:6443")
        #expect(clusters[1]["cluster"]?["insecure-skip-tls-verify"]?.bool == true)
        #expect(clusters[1]["cluster"]?.pairs?.count == 2)
        #expect(clusters[2]["cluster"]?["extra"]?.string == "x")
        #expect(clusters[2]["cluster"]?["server"]?.string == "https://k.example:6443")
        #expect(doc["users"]?[0]?["user"]?["token"]?.string == "abc")
        #expect(throws: YAMLError.self) { _ = try YAMLParser.parse("a: *undefined\n") }
    }

    @Test func documentsAndErrors() throws {
        let docs = try YAMLParser.parseAll("""
            kind: A
            ---
            kind: B
            ---
            # only a comment
            ...
            """)
        #expect(docs.count == 3)
        #expect(docs[0]["kind"]?.string == "A" && docs[1]["kind"]?.string == "B")
        #expect(docs[2].isNull)
        #expect(try YAMLParser.parseAll("").isEmpty)
        #expect(try YAMLParser.parse("") == nil)
        do {
            _ = try YAMLParser.parse("clusters: [\n")
            Issue.record("expected a syntax error")
        } catch {
            #expect(error.line >= 1)
            #expect(error.description.contains("line"))
        }
        #expect(throws: YAMLError.self) { _ = try YAMLParser.parse("a: b: c\n") }
        #expect(throws: YAMLError.self) { _ = try YAMLParser.parse("a:\n\t- tab\n") }
    }

    /// A kubeconfig written the way generators and people write them: anchors shared between
    /// clusters, a block-scalar token, flow-style context, quoted booleans and comments.
    @Test func kubeconfigWithAnchorsBlocksAndFlow() throws {
        let dir = try tempDir()
        let path = dir + "/kubeconfig"
        try write("""
            # generated
            apiVersion: v1
            kind: Config
            preferences: {}
            current-context: "dev"
            clusters:
            - &cluster
              name: shared
              cluster: &settings
                server: https://127.0.0.1:6443/
                insecure-skip-tls-verify: yes
            - name: other
              cluster:
                <<: *settings
                server: https://10.0.0.1:6443
            users:
            - name: admin
              user:
                token: >-
                  abc
                  def
            contexts:
            - {name: dev, context: {cluster: other, user: admin, namespace: ns-1}}
            - name: unused
              context: {cluster: shared, user: "admin"}
            """, to: path)
        let c = try KubeConfig.load(kubeconfigPath: path, environment: [:])
        #expect(c.server == "https://10.0.0.1:6443")
        #expect(c.insecureSkipTLSVerify)
        #expect(c.token == .literal("abc def"))
        #expect(c.namespace == "ns-1")
        // A quoted "true" is a string, so it does not switch verification off: it is refused,
        // as client-go refuses a string for a bool field (HostileKubeconfigTests).
        try write("""
            current-context: x
            clusters: [{name: c, cluster: {server: "https://k", insecure-skip-tls-verify: "true"}}]
            users: [{name: u, user: {token: t}}]
            contexts: [{name: x, context: {cluster: c, user: u}}]
            """, to: path)
        #expect(throws: KubeConfigError.invalidYAML(path: path, reason: #"clusters[c].cluster.insecure-skip-tls-verify is "true", expected a bool"#)) {
            try KubeConfig.load(kubeconfigPath: path, environment: [:])
        }
        // A top level that is not a mapping.
        try write("- a\n- b\n", to: path)
        guard case .invalidYAML? = try? loadError(path) else { Issue.record("sequence top level"); return }
    }

    func loadError(_ path: String) throws -> KubeConfigError? {
        do {
            _ = try KubeConfig.load(kubeconfigPath: path, environment: [:])
            return nil
        } catch {
            return error
        }
    }
}
