import Foundation
import KubeClient
import Testing

/// `KUBECONFIG` with several files, merged by client-go's rules, and `--context`.
@Suite("kubeconfig merging and context selection")
struct KubeconfigMergeTests {
    func loadError(_ body: () throws(KubeConfigError) -> KubeConfig) -> KubeConfigError? {
        do {
            _ = try body()
            return nil
        } catch {
            return error
        }
    }

    @Test func firstFileDefiningANameWinsAndCurrentContextFromFirstSetter() throws {
        try withTempDir { dir in
            // a: no current-context, defines cluster "c" and user "u".
            try write("""
                clusters: [{name: c, cluster: {server: "https://first:6443"}}]
                users: [{name: u, user: {token: first-token}}]
                """, to: dir + "/a")
            // b: sets current-context, redefines c and u (ignored), defines context "ctx".
            try write("""
                current-context: ctx
                clusters: [{name: c, cluster: {server: "https://second:6443"}}]
                users: [{name: u, user: {token: second-token}}]
                contexts: [{name: ctx, context: {cluster: c, user: u, namespace: ns-b}}]
                """, to: dir + "/b")
            // c: another current-context (ignored: b set it first) and a second definition of ctx.
            try write("""
                current-context: other
                contexts:
                - {name: ctx, context: {cluster: c, user: u, namespace: ns-c}}
                - {name: other, context: {cluster: c}}
                """, to: dir + "/c")
            let list = [dir + "/a", dir + "/missing", "", dir + "/b", dir + "/c"].joined(separator: ":")
            let config = try KubeConfig.load(environment: ["KUBECONFIG": list])
            #expect(config.server == "https://first:6443")
            #expect(config.token == .literal("first-token"))
            #expect(config.namespace == "ns-b")
            #expect(config.contextName == "ctx")
            #expect(config.source == [dir + "/a", dir + "/b", dir + "/c"].joined(separator: ":"))
            // The context override picks a context from a later file; it has no user.
            let other = try KubeConfig.load(context: "other", environment: ["KUBECONFIG": list])
            #expect(other.contextName == "other" && other.token == nil && other.namespace == "default")
        }
    }

    @Test func relativePathsResolveAgainstTheirOwnFile() throws {
        try withTempDir { dir in
            try FileManager.default.createDirectory(atPath: dir + "/one", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: dir + "/two", withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: ConfigTests.certs + "/ca.crt", toPath: dir + "/one/ca.crt")
            try write("tok-two", to: dir + "/two/token")
            try write("""
                current-context: x
                clusters: [{name: c, cluster: {server: "https://k:6443", certificate-authority: ca.crt}}]
                contexts: [{name: x, context: {cluster: c, user: u}}]
                """, to: dir + "/one/config")
            try write("users: [{name: u, user: {tokenFile: token, exec: null}}]", to: dir + "/two/config")
            let config = try KubeConfig.load(environment: ["KUBECONFIG": "\(dir)/one/config:\(dir)/two/config"])
            #expect(config.token == .file(path: dir + "/two/token"))
            #expect(config.certificateAuthorityPEM == Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/one/ca.crt"))))
        }
    }

    @Test func selectionErrors() throws {
        try withTempDir { dir in
            try write("""
                current-context: a
                clusters: [{name: c, cluster: {server: "https://k"}}]
                contexts: [{name: a, context: {cluster: c}}, {name: b, context: {cluster: c}}]
                """, to: dir + "/k")
            let unknown = loadError { () throws(KubeConfigError) in
                try KubeConfig.load(kubeconfigPath: dir + "/k", context: "nope", environment: [:])
            }
            #expect(unknown == .unknownContext(source: dir + "/k", field: "--context", name: "nope", available: ["a", "b"]))
            #expect(unknown?.description == "\(dir)/k: --context: context \"nope\" is not defined; available contexts: \"a\", \"b\"")
            // Explicit --kubeconfig must exist; a KUBECONFIG entry may be missing, but not all of them.
            guard case .unreadableFile(dir + "/none", "kubeconfig", _, _)? = loadError({ () throws(KubeConfigError) in
                try KubeConfig.load(kubeconfigPath: dir + "/none", environment: [:])
            }) else { Issue.record("missing --kubeconfig"); return }
            let none = loadError { () throws(KubeConfigError) in
                try KubeConfig.load(environment: ["KUBECONFIG": "\(dir)/x:\(dir)/y"])
            }
            #expect(none == .noKubeconfigFound(source: "KUBECONFIG", paths: [dir + "/x", dir + "/y"]))
            #expect(none?.description.contains("\(dir)/x, \(dir)/y") == true)
            // No current-context anywhere.
            try write("clusters: [{name: c, cluster: {server: \"https://k\"}}]", to: dir + "/nocurrent")
            #expect(loadError { () throws(KubeConfigError) in
                try KubeConfig.load(environment: ["KUBECONFIG": dir + "/nocurrent"])
            } == .missingField(path: dir + "/nocurrent", field: "current-context"))
            // A name twice in one file, as client-go refuses it.
            try write("clusters: [{name: c, cluster: {server: \"https://k\"}}, {name: c, cluster: {server: \"https://j\"}}]",
                      to: dir + "/dup")
            guard case .invalidYAML(dir + "/dup", let reason)? = loadError({ () throws(KubeConfigError) in
                try KubeConfig.load(kubeconfigPath: dir + "/dup", environment: [:])
            }) else { Issue.record("duplicate name"); return }
            #expect(reason.contains("duplicate name \"c\""))
            // --context with only the in-cluster configuration.
            #expect(loadError { () throws(KubeConfigError) in
                try KubeConfig.load(context: "a", environment: ["KUBERNETES_SERVICE_HOST": "10.0.0.1"])
            } == .unknownContext(source: "in-cluster", field: "--context", name: "a", available: []))
        }
    }

    @Test func homeConfigIsTheLastResort() throws {
        try withTempDir { dir in
            try FileManager.default.createDirectory(atPath: dir + "/.kube", withIntermediateDirectories: true)
            try write("""
                current-context: a
                clusters: [{name: c, cluster: {server: "https://home:6443"}}]
                contexts: [{name: a, context: {cluster: c}}, {name: b, context: {cluster: c, namespace: nb}}]
                """, to: dir + "/.kube/config")
            let config = try KubeConfig.load(context: "b", environment: ["HOME": dir])
            #expect(config.server == "https://home:6443" && config.contextName == "b" && config.namespace == "nb")
        }
    }
}
