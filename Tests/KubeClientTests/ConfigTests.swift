import Foundation
import KubeClient
import Testing

@Suite("KubeConfig")
struct ConfigTests {
    /// A directory with ca.crt/ca.key/client.crt/client.key, shared by the tests of this suite.
    static let certs: String = {
        let dir = try! tempDir()
        try! makeCertificates(in: dir)
        return dir
    }()

    func kubeconfig(_ dir: String, cluster: String, user: String, context: String = "ctx") throws -> String {
        let path = dir + "/kubeconfig"
        try write("""
            apiVersion: v1
            kind: Config
            current-context: \(context)
            clusters:
            - name: c
              cluster:
            \(cluster.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            users:
            - name: u
              user:
            \(user.split(separator: "\n").map { "    " + $0 }.joined(separator: "\n"))
            contexts:
            - name: ctx
              context: {cluster: c, user: u, namespace: team-a}
            """, to: path)
        return path
    }

    func b64(_ path: String) throws -> String {
        try Data(contentsOf: URL(fileURLWithPath: path)).base64EncodedString()
    }

    func loadError(_ path: String) -> KubeConfigError? {
        do {
            _ = try KubeConfig.load(kubeconfigPath: path, environment: [:])
            return nil
        } catch {
            return error
        }
    }

    @Test func inClusterLoads() throws {
        let root = try tempDir()
        try write("tok-1\n", to: root + "/token")
        try FileManager.default.copyItem(atPath: Self.certs + "/ca.crt", toPath: root + "/ca.crt")
        try write("podcap-system", to: root + "/namespace")
        let c = try KubeConfig.load(environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"],
                                    inClusterRoot: root)
        #expect(c.server == "https://10.96.0.1:443")
        #expect(c.token == .file(path: root + "/token"))
        #expect(c.namespace == "podcap-system")
        #expect(c.certificateAuthorityPEM != nil)
        let v6 = try KubeConfig.inCluster(environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "6443"], root: root)
        #expect(v6.server == "https://[fd00::1]:6443")
    }

    @Test func inClusterBrokenVariants() throws {
        let root = try tempDir()
        let env = ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"]
        do {
            _ = try KubeConfig.inCluster(environment: env, root: root)
            Issue.record("expected an error for the missing token")
        } catch {
            guard case .unreadableFile(let p, "token", "in-cluster", _) = error, p == root + "/token" else {
                Issue.record("\(error)"); return
            }
        }
        try write("tok", to: root + "/token")
        do {
            _ = try KubeConfig.inCluster(environment: env, root: root)
            Issue.record("expected an error for the missing ca.crt")
        } catch {
            guard case .unreadableFile(_, "ca.crt", _, _) = error else { Issue.record("\(error)"); return }
        }
        try write("not a certificate", to: root + "/ca.crt")
        do {
            _ = try KubeConfig.inCluster(environment: env, root: root)
            Issue.record("expected an error for the bad ca.crt")
        } catch {
            guard case .invalidPEM(_, "ca.crt", _) = error else { Issue.record("\(error)"); return }
        }
        #expect(throws: KubeConfigError.missingField(path: "environment", field: "KUBERNETES_SERVICE_PORT")) {
            _ = try KubeConfig.inCluster(environment: ["KUBERNETES_SERVICE_HOST": "h"], root: root)
        }
        #expect(throws: KubeConfigError.invalidServerURL(source: "environment", field: "KUBERNETES_SERVICE_PORT", value: "x")) {
            _ = try KubeConfig.inCluster(environment: ["KUBERNETES_SERVICE_HOST": "h", "KUBERNETES_SERVICE_PORT": "x"], root: root)
        }
        #expect(throws: KubeConfigError.noConfiguration) {
            _ = try KubeConfig.load(environment: ["HOME": root], inClusterRoot: root)
        }
    }

    @Test func kubeconfigVariantsLoad() async throws {
        let dir = try tempDir()
        try FileManager.default.copyItem(atPath: Self.certs + "/ca.crt", toPath: dir + "/ca.crt")
        try write("file-token\n", to: dir + "/tok")
        // Token + CA file (relative path resolved against the kubeconfig's directory).
        var path = try kubeconfig(dir, cluster: "server: https://127.0.0.1:6443\ncertificate-authority: ca.crt", user: "token: abc")
        var c = try KubeConfig.load(kubeconfigPath: path, environment: [:])
        #expect(c.server == "https://127.0.0.1:6443" && c.token == .literal("abc") && c.namespace == "team-a")
        #expect(c.certificateAuthorityPEM == Array(try Data(contentsOf: URL(fileURLWithPath: dir + "/ca.crt"))))
        // tokenFile + CA data.
        path = try kubeconfig(dir, cluster: "server: https://k.example:443\ncertificate-authority-data: \(try b64(Self.certs + "/ca.crt"))",
                              user: "tokenFile: tok")
        c = try KubeConfig.load(environment: ["KUBECONFIG": path])
        #expect(c.token == .file(path: dir + "/tok"))
        // Client certificate data.
        path = try kubeconfig(dir, cluster: "server: https://k.example\ninsecure-skip-tls-verify: true",
                              user: "client-certificate-data: \(try b64(Self.certs + "/client.crt"))\nclient-key-data: \(try b64(Self.certs + "/client.key"))")
        c = try KubeConfig.load(kubeconfigPath: path, environment: ["KUBECONFIG": "/nonexistent"])
        #expect(c.insecureSkipTLSVerify && c.clientCertificate != nil && c.token == nil)
        try await KubernetesClient(config: c).shutdown()
        // Client certificate files.
        path = try kubeconfig(dir, cluster: "server: https://k.example", user: "client-certificate: \(Self.certs)/client.crt\nclient-key: \(Self.certs)/client.key")
        #expect(try KubeConfig.load(kubeconfigPath: path, environment: [:]).clientCertificate != nil)
    }

    @Test func kubeconfigBrokenVariants() throws {
        let dir = try tempDir()
        var path = try kubeconfig(dir, cluster: "server: ftp://x", user: "token: a")
        #expect(loadError(path) == .invalidServerURL(source: path, field: "clusters[c].cluster.server", value: "ftp://x"))
        path = try kubeconfig(dir, cluster: "insecure-skip-tls-verify: true", user: "token: a")
        #expect(loadError(path) == .missingField(path: path, field: "clusters[c].cluster.server"))
        path = try kubeconfig(dir, cluster: "server: https://x", user: "token: a", context: "nope")
        #expect(loadError(path) == .unknownContext(source: path, field: "current-context", name: "nope", available: ["ctx"]))
        path = try kubeconfig(dir, cluster: "server: https://x\ncertificate-authority-data: '!!!'", user: "token: a")
        #expect(loadError(path) == .invalidBase64(path: path, field: "clusters[c].cluster.certificate-authority-data"))
        path = try kubeconfig(dir, cluster: "server: https://x\ncertificate-authority-data: \(Data("junk".utf8).base64EncodedString())", user: "token: a")
        guard case .invalidPEM(_, "clusters[c].cluster.certificate-authority-data", _)? = loadError(path) else {
            Issue.record("bad CA PEM: \(String(describing: loadError(path)))"); return
        }
        path = try kubeconfig(dir, cluster: "server: https://x\ncertificate-authority: /nonexistent/ca.crt", user: "token: a")
        guard case .unreadableFile("/nonexistent/ca.crt", "clusters[c].cluster.certificate-authority", _, _)? = loadError(path) else {
            Issue.record("missing CA file: \(String(describing: loadError(path)))"); return
        }
        path = try kubeconfig(dir, cluster: "server: https://x", user: "tokenFile: /nonexistent/token")
        guard case .unreadableFile("/nonexistent/token", "users[u].user.tokenFile", _, _)? = loadError(path) else {
            Issue.record("missing token file"); return
        }
        path = try kubeconfig(dir, cluster: "server: https://x", user: "exec: {command: aws}")
        #expect(loadError(path) == .missingField(path: path, field: "users[u].user.exec.apiVersion"))
        path = try kubeconfig(dir, cluster: "server: https://x", user: "client-certificate: \(Self.certs)/client.crt")
        #expect(loadError(path) == .incompleteClientCertificate(path: path, field: "users[u].user.client-certificate"))
        try write("clusters: [", to: dir + "/bad")
        guard case .invalidYAML? = loadError(dir + "/bad") else { Issue.record("invalid YAML"); return }
        guard case .unreadableFile("/nonexistent/kubeconfig", "kubeconfig", _, _)? = loadError("/nonexistent/kubeconfig") else {
            Issue.record("missing kubeconfig"); return
        }
        // Every error names the file in its message.
        #expect(KubeConfigError.missingField(path: "/k", field: "f").description.contains("/k"))
    }
}
