import Foundation
import KubeClient
import TestSupport
import Testing

/// Every kubeconfig authentication method against the real kube-apiserver (`PODCAP_ENVTEST`).
///
/// Who the server took the caller for is read from a 403: the API server's message names the
/// user ("secrets is forbidden: User \"x\" cannot list …"), which 1.20 has no whoami API for.
@Suite("Kubeconfig authentication against the real kube-apiserver", .enabled(if: Envtest.isEnabled, "PODCAP_ENVTEST not set"))
struct RealServerAuthTests {
    /// Writes a one-context kubeconfig for the shared server with `user` (flow YAML) as the user entry.
    func kubeconfig(
        _ server: EnvtestServer, dir: String, user: String, cluster: String = "", name: String = "config"
    ) throws -> String {
        let path = dir + "/" + name
        try write("""
            apiVersion: v1
            kind: Config
            current-context: c
            clusters: [{name: e, cluster: {server: "\(server.server)", certificate-authority: "\(server.caPath)"\(cluster)}}]
            users: [{name: u, user: \(user)}]
            contexts: [{name: c, context: {cluster: e, user: u}}]
            """, to: path)
        return path
    }

    /// Runs `body` with a client for `config`, always shut down.
    func withClient<T: Sendable>(
        _ config: KubeConfig, make: Bool = true, _ body: (KubernetesClient) async throws -> T
    ) async throws -> T {
        let client = make ? try await KubernetesClient.make(config: config) : try KubernetesClient(config: config)
        do {
            let result = try await body(client)
            try await client.shutdown()
            return result
        } catch {
            try? await client.shutdown()
            throw error
        }
    }

    /// The status code of listing secrets, and the user a 403 names.
    func probe(_ client: KubernetesClient) async -> (code: Int, user: String?, error: KubeAPIError?) {
        do {
            let r = try await client.send(.GET, path: "/api/v1/namespaces/default/secrets")
            return (r.code, nil, nil)
        } catch {
            guard case .http(let code, let status, _) = error else { return (0, nil, error) }
            let message = status?.message ?? ""
            guard let start = message.range(of: "User \""),
                  let end = message[start.upperBound...].firstIndex(of: "\"") else { return (code, nil, error) }
            return (code, String(message[start.upperBound..<end]), error)
        }
    }

    /// A client certificate and key for `subject`, signed by the server's CA; returns (crt, key) paths.
    func signCertificate(_ server: EnvtestServer, subject: String, in dir: String, name: String) throws -> (String, String) {
        let key = "\(dir)/\(name).key", csr = "\(dir)/\(name).csr", crt = "\(dir)/\(name).crt"
        try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", key, "-out", csr])
        try openssl(["x509", "-req", "-in", csr, "-CA", server.dir + "/ca.crt", "-CAkey", server.dir + "/ca.key",
                     "-CAcreateserial", "-CAserial", "\(dir)/ca.srl", "-days", "1", "-out", crt])
        return (crt, key)
    }

    func lines(_ path: String) -> Int {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    @Test func tokenAndTokenFile() async throws {
        let server = try await Envtest.shared()
        try await withTempDir { dir in
            var path = try kubeconfig(server, dir: dir, user: "{token: \"\(server.token)\"}")
            #expect(try await withClient(try KubeConfig.load(kubeconfigPath: path, environment: [:])) { await probe($0).code } == 200)
            try write(server.token + "\n", to: dir + "/token")
            path = try kubeconfig(server, dir: dir, user: "{tokenFile: token}")
            let config = try KubeConfig.load(kubeconfigPath: path, environment: [:])
            #expect(config.token == .file(path: dir + "/token"))
            #expect(try await withClient(config) { await probe($0).code } == 200)
            path = try kubeconfig(server, dir: dir, user: "{token: wrong}")
            #expect(try await withClient(try KubeConfig.load(kubeconfigPath: path, environment: [:])) { await probe($0).code } == 401)
        }
    }

    @Test func clientCertificateIsTheUser() async throws {
        let server = try await Envtest.shared()
        try await withTempDir { dir in
            let admin = TestNames.unique("cert-admin")
            let (crt, key) = try signCertificate(server, subject: "/CN=\(admin)/O=system:masters", in: dir, name: "admin")
            var path = try kubeconfig(server, dir: dir, user: "{client-certificate: \(crt), client-key: \(key)}")
            #expect(try await withClient(try KubeConfig.load(kubeconfigPath: path, environment: [:])) { await probe($0).code } == 200)
            let plain = TestNames.unique("cert-user")
            // Relative paths: resolved against the kubeconfig's directory.
            _ = try signCertificate(server, subject: "/CN=\(plain)", in: dir, name: "plain")
            path = try kubeconfig(server, dir: dir, user: "{client-certificate: plain.crt, client-key: plain.key}")
            let result = try await withClient(try KubeConfig.load(kubeconfigPath: path, environment: [:])) { await probe($0) }
            #expect(result.code == 403 && result.user == plain)
        }
    }

    @Test func execPluginToken() async throws {
        let server = try await Envtest.shared()
        try await withTempDir { dir in
            // Counts its runs in $1, keeps what it was given in KUBERNETES_EXEC_INFO, prints $TOKEN.
            try writeScript("""
                #!/bin/sh
                echo run >> "$1"
                printf '%s' "$KUBERNETES_EXEC_INFO" > "$2"
                printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "$TOKEN"
                """, to: dir + "/plugin.sh")
            let path = try kubeconfig(server, dir: dir, user: """
                {exec: {command: ./plugin.sh, args: ["\(dir)/runs", "\(dir)/info"], env: [{name: TOKEN, value: "\(server.token)"}],
                        apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never, provideClusterInfo: true}}
                """)
            try await withClient(try KubeConfig.load(kubeconfigPath: path, environment: [:])) { client in
                #expect(await probe(client).code == 200)
                #expect(await probe(client).code == 200)
            }
            // No expiry: one run serves every request.
            #expect(lines(dir + "/runs") == 1)
            let info = try String(contentsOfFile: dir + "/info", encoding: .utf8)
            #expect(info.hasPrefix(#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","spec":{"cluster":{"#))
            #expect(info.contains(#""server":"\#(server.server)""#) && info.hasSuffix(#""interactive":false}}"#))
        }
    }

    @Test func execPluginTokenExpiresAndIsRefreshedAfter401() async throws {
        let server = try await Envtest.shared()
        try await withTempDir { dir in
            // Already expired: every request must run the plugin again.
            try writeScript("""
                #!/bin/sh
                echo run >> "$1"
                printf '{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential",'
                printf '"status":{"token":"%s","expirationTimestamp":"2000-01-01T00:00:00Z"}}' "$TOKEN"
                """, to: dir + "/expiring")
            var path = try kubeconfig(server, dir: dir, user: """
                {exec: {command: "\(dir)/expiring", args: ["\(dir)/runs"], env: [{name: TOKEN, value: "\(server.token)"}],
                        apiVersion: client.authentication.k8s.io/v1beta1}}
                """)
            try await withClient(try KubeConfig.load(kubeconfigPath: path, environment: [:])) { client in
                // KubernetesClient.make ran it once already.
                #expect(lines(dir + "/runs") == 1)
                #expect(await probe(client).code == 200)
                #expect(lines(dir + "/runs") == 2)
                #expect(await probe(client).code == 200)
                #expect(lines(dir + "/runs") == 3)
            }
            // The first run hands out a token the server rejects; the 401 re-runs the plugin once.
            try writeScript("""
                #!/bin/sh
                echo run >> "$1"
                token=revoked
                [ "$(wc -l < "$1")" -gt 1 ] && token=$TOKEN
                printf '{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"%s"}}' "$token"
                """, to: dir + "/rotating")
            path = try kubeconfig(server, dir: dir, user: """
                {exec: {command: "\(dir)/rotating", args: ["\(dir)/runs2"], env: [{name: TOKEN, value: "\(server.token)"}],
                        apiVersion: client.authentication.k8s.io/v1, interactiveMode: IfAvailable}}
                """)
            try await withClient(try KubeConfig.load(kubeconfigPath: path, environment: [:]), make: false) { client in
                #expect(await probe(client).code == 200)
            }
            #expect(lines(dir + "/runs2") == 2)
        }
    }

    @Test func execPluginClientCertificate() async throws {
        let server = try await Envtest.shared()
        try await withTempDir { dir in
            let user = TestNames.unique("exec-cert")
            let (crt, key) = try signCertificate(server, subject: "/CN=\(user)", in: dir, name: "exec")
            let pem = { (path: String) throws -> String in
                String(decoding: try JSONEncoder().encode(try String(contentsOfFile: path, encoding: .utf8)), as: UTF8.self)
            }
            try write(#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","#
                      + #""status":{"clientCertificateData":\#(try pem(crt)),"clientKeyData":\#(try pem(key))}}"#,
                      to: dir + "/credential.json")
            try writeScript("#!/bin/sh\ncat \"$1\"\n", to: dir + "/plugin")
            let path = try kubeconfig(server, dir: dir, user: """
                {exec: {command: "\(dir)/plugin", args: ["\(dir)/credential.json"],
                        apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never}}
                """)
            let config = try KubeConfig.load(kubeconfigPath: path, environment: [:])
            let result = try await withClient(config) { await probe($0) }
            #expect(result.code == 403 && result.user == user)
            // Created without running the plugin first, the TLS configuration cannot take the certificate.
            let lazy = try await withClient(config, make: false) { await probe($0) }
            #expect(lazy.error == .credentials(.execCertificateNeedsMake(path: path, field: "users[u].user.exec")))
        }
    }

    @Test func mergedKubeconfigFiles() async throws {
        let server = try await Envtest.shared()
        try await withTempDir { dir in
            for sub in ["clusters", "users", "contexts"] {
                try FileManager.default.createDirectory(atPath: "\(dir)/\(sub)", withIntermediateDirectories: true)
            }
            let name = TestNames.unique("merged")
            try FileManager.default.copyItem(atPath: server.caPath, toPath: dir + "/clusters/ca.crt")
            try write("clusters: [{name: \(name), cluster: {server: \"\(server.server)\", certificate-authority: ca.crt}}]",
                      to: dir + "/clusters/config")
            try write(server.token, to: dir + "/users/token")
            try write("users: [{name: \(name), user: {tokenFile: token}}]", to: dir + "/users/config")
            try write("""
                current-context: \(name)
                contexts: [{name: \(name), context: {cluster: \(name), user: \(name), namespace: kube-system}}]
                """, to: dir + "/contexts/config")
            let list = ["clusters", "missing", "users", "contexts"].map { "\(dir)/\($0)/config" }.joined(separator: ":")
            let config = try KubeConfig.load(environment: ["KUBECONFIG": list, "KUBERNETES_SERVICE_HOST": "10.0.0.1"])
            #expect(config.contextName == name && config.namespace == "kube-system")
            #expect(try await withClient(config) { await probe($0).code } == 200)
        }
    }

    @Test func contextOverrideChoosesTheCredentials() async throws {
        let server = try await Envtest.shared()
        try await withTempDir { dir in
            try write("""
                current-context: broken
                clusters: [{name: e, cluster: {server: "\(server.server)", certificate-authority: "\(server.caPath)"}}]
                users: [{name: admin, user: {token: "\(server.token)"}}, {name: stale, user: {token: stale-token}}]
                contexts:
                - {name: broken, context: {cluster: e, user: stale}}
                - {name: working, context: {cluster: e, user: admin}}
                """, to: dir + "/config")
            let current = try KubeConfig.load(kubeconfigPath: dir + "/config", environment: [:])
            #expect(current.contextName == "broken")
            #expect(try await withClient(current) { await probe($0).code } == 401)
            let chosen = try KubeConfig.load(kubeconfigPath: dir + "/config", context: "working", environment: [:])
            #expect(chosen.contextName == "working")
            #expect(try await withClient(chosen) { await probe($0).code } == 200)
        }
    }

    @Test func impersonation() async throws {
        let server = try await Envtest.shared()
        try await withTempDir { dir in
            let user = TestNames.unique("impersonated")
            var path = try kubeconfig(server, dir: dir, user: "{token: \"\(server.token)\", as: \(user)}")
            let denied = try await withClient(try KubeConfig.load(kubeconfigPath: path, environment: [:])) { await probe($0) }
            #expect(denied.code == 403 && denied.user == user)
            path = try kubeconfig(server, dir: dir, user: "{token: \"\(server.token)\", as: \(user), as-groups: [system:masters]}")
            #expect(try await withClient(try KubeConfig.load(kubeconfigPath: path, environment: [:])) { await probe($0).code } == 200)
        }
    }

    @Test func oidcIdTokenAndTLSServerName() async throws {
        let server = try await Envtest.shared()
        try await withTempDir { dir in
            var path = try kubeconfig(server, dir: dir, user: """
                {auth-provider: {name: oidc, config: {id-token: not-a-jwt, idp-issuer-url: "https://issuer.example"}}}
                """)
            let rejected = try await withClient(try KubeConfig.load(kubeconfigPath: path, environment: [:])) { await probe($0) }
            #expect(rejected.error == .credentials(.oidcTokenRejected(
                path: path, field: "users[u].user.auth-provider.config.id-token", issuer: "https://issuer.example")))
            // The serving certificate names 127.0.0.1, localhost and kubernetes.default.svc. (A wrong
            // name cannot fail here: NIOSSL also accepts the IP SAN of the address connected to;
            // TLSServerNameTests checks that against a certificate with a DNS name only.)
            path = try kubeconfig(server, dir: dir, user: "{token: \"\(server.token)\"}", cluster: ", tls-server-name: kubernetes.default.svc")
            #expect(try await withClient(try KubeConfig.load(kubeconfigPath: path, environment: [:])) { await probe($0).code } == 200)
        }
    }
}

/// Runs `openssl` with an argv array; throws on a non-zero exit.
func openssl(_ arguments: [String]) throws {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
    p.arguments = arguments
    p.standardError = FileHandle.nullDevice
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    if p.terminationStatus != 0 { throw EnvtestError.commandFailed((["openssl"] + arguments).joined(separator: " "), p.terminationStatus, "") }
}
