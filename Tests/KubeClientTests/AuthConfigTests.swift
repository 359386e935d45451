import Foundation
@testable import KubeClient
import Testing

/// How `users[].user` and the cluster's TLS fields are read: basic auth, impersonation, auth-provider, exec.
@Suite("kubeconfig authentication fields")
struct AuthConfigTests {
    /// Loads a one-file kubeconfig whose user entry is `user` (flow YAML) and cluster has `cluster` extra fields.
    func load(user: String, cluster: String = "", in dir: String) throws(KubeConfigError) -> KubeConfig {
        let path = dir + "/config"
        try? write("""
            current-context: x
            clusters: [{name: c, cluster: {server: "https://k:6443"\(cluster.isEmpty ? "" : ", " + cluster)}}]
            users: [{name: u, user: \(user)}]
            contexts: [{name: x, context: {cluster: c, user: u}}]
            """, to: path)
        return try KubeConfig.load(kubeconfigPath: path, environment: [:])
    }

    func error(user: String, cluster: String = "", in dir: String) -> KubeConfigError? {
        do {
            _ = try load(user: user, cluster: cluster, in: dir)
            return nil
        } catch {
            return error
        }
    }

    @Test func basicAuthAndImpersonation() throws {
        try withTempDir { dir in
            let config = try load(user: """
                {username: alice, password: "s3cret:x", as: bob, as-uid: "42", as-groups: [dev, ops],
                 as-user-extra: {"example.org/scopes": [a, b], reason: [debug]}}
                """, in: dir)
            #expect(config.basicAuth == .init(username: "alice", password: "s3cret:x"))
            #expect(config.basicAuth?.headerValue == "Basic " + Data("alice:s3cret:x".utf8).base64EncodedString())
            let headers = try #require(config.impersonation).headers
            #expect(headers.map { "\($0.name): \($0.value)" } == [
                "Impersonate-User: bob", "Impersonate-Uid: 42", "Impersonate-Group: dev", "Impersonate-Group: ops",
                "Impersonate-Extra-example.org%2Fscopes: a", "Impersonate-Extra-example.org%2Fscopes: b",
                "Impersonate-Extra-reason: debug",
            ])
            let plain = try load(user: "{token: t}", in: dir)
            #expect(plain.impersonation == nil)
            #expect(error(user: "{password: p}", in: dir) == .missingField(path: dir + "/config", field: "users[u].user.username"))
        }
    }

    @Test func authProviders() throws {
        try withTempDir { dir in
            let path = dir + "/config"
            let oidc = try load(user: """
                {auth-provider: {name: oidc, config: {id-token: eyJ.x.y, idp-issuer-url: "https://issuer.example", refresh-token: r}}}
                """, in: dir)
            #expect(oidc.oidc == .init(idToken: "eyJ.x.y", issuerURL: "https://issuer.example", source: path,
                                       field: "users[u].user.auth-provider.config.id-token"))
            #expect(error(user: "{auth-provider: {name: oidc, config: {}}}", in: dir)
                    == .missingField(path: path, field: "users[u].user.auth-provider.config.id-token"))
            let gcp = error(user: "{auth-provider: {name: gcp}}", in: dir)
            #expect(gcp?.description.hasPrefix("\(path): users[u].user.auth-provider: the \"gcp\" auth-provider was removed from kubectl") == true)
            #expect(gcp?.description.contains("gke-gcloud-auth-plugin") == true)
            #expect(error(user: "{auth-provider: {name: azure}}", in: dir)?.description.contains("kubelogin") == true)
            #expect(error(user: "{auth-provider: {name: openstack}}", in: dir)
                    == .unsupportedAuth(path: path, field: "users[u].user.auth-provider.name"))
            let rejected = KubeConfigError.oidcTokenRejected(path: path, field: "users[u].user.auth-provider.config.id-token",
                                                             issuer: "https://issuer.example")
            #expect(rejected.description.contains("the issuer https://issuer.example") && rejected.description.contains("kubelogin"))
        }
    }

    @Test func conflictsAndUnsupportedFields() throws {
        try withTempDir { dir in
            let path = dir + "/config"
            #expect(error(user: "{token: t, username: a, password: b}", in: dir)
                    == .conflictingAuth(path: path, field: "users[u].user", methods: ["token", "username/password"]))
            let both = error(user: "{exec: {command: x, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never}, "
                             + "auth-provider: {name: oidc, config: {id-token: t}}}", in: dir)
            #expect(both?.description == "\(path): users[u].user: more than one authentication method (exec, auth-provider); only one is allowed")
            // As in client-go, a token next to an exec plugin loads (and the token is what is sent).
            let tokenAndExec = try load(user: "{token: t, exec: {command: x, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never}}",
                                        in: dir)
            #expect(tokenAndExec.token == .literal("t") && tokenAndExec.exec != nil)
            #expect(error(user: "{token: t}", cluster: "proxy-url: \"http://proxy:3128\"", in: dir)?.description
                    == "\(path): clusters[c].cluster.proxy-url: not supported: podcap connects directly; remove proxy-url or reach the server without the proxy")
            let named = try load(user: "{}", cluster: "tls-server-name: kubernetes.default.svc", in: dir)
            #expect(named.tlsServerName == "kubernetes.default.svc")
        }
    }

    @Test func execEntries() throws {
        try withTempDir { dir in
            let path = dir + "/config"
            let field = "users[u].user.exec"
            let v1Config = try load(user: """
                {exec: {command: ./bin/plugin, args: [get-token, --cluster, c1], env: [{name: A, value: "1"}, {name: B}],
                        apiVersion: client.authentication.k8s.io/v1, interactiveMode: IfAvailable,
                        installHint: "install it", provideClusterInfo: true}}
                """, in: dir)
            let v1 = try #require(v1Config.exec)
            #expect(v1 == KubeConfig.ExecPlugin(
                command: dir + "/bin/plugin", arguments: ["get-token", "--cluster", "c1"],
                environment: [.init(name: "A", value: "1"), .init(name: "B", value: "")], apiVersion: .v1,
                interactiveMode: .ifAvailable, installHint: "install it", provideClusterInfo: true, source: path, field: field))
            // A bare name stays a PATH lookup; v1beta1 defaults interactiveMode to IfAvailable.
            let betaConfig = try load(user: "{exec: {command: aws, apiVersion: client.authentication.k8s.io/v1beta1}}", in: dir)
            let beta = try #require(betaConfig.exec)
            #expect(beta.command == "aws" && beta.interactiveMode == .ifAvailable && beta.apiVersion == .v1beta1)
            #expect(error(user: "{exec: {command: aws, apiVersion: client.authentication.k8s.io/v1}}", in: dir)
                    == .missingField(path: path, field: field + ".interactiveMode"))
            #expect(error(user: "{exec: {apiVersion: client.authentication.k8s.io/v1}}", in: dir)
                    == .missingField(path: path, field: field + ".command"))
            #expect(error(user: "{exec: {command: aws}}", in: dir) == .missingField(path: path, field: field + ".apiVersion"))
            #expect(error(user: "{exec: {command: aws, apiVersion: client.authentication.k8s.io/v1alpha1}}", in: dir)?.description
                    == "\(path): \(field).apiVersion: \"client.authentication.k8s.io/v1alpha1\" is not supported "
                    + "(use client.authentication.k8s.io/v1, client.authentication.k8s.io/v1beta1)")
            #expect(error(user: "{exec: {command: aws, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Always}}", in: dir)?
                .description == "\(path): \(field).interactiveMode: Always needs a terminal, and podcap runs credential plugins without one")
            #expect(error(user: "{exec: {command: aws, apiVersion: client.authentication.k8s.io/v1, interactiveMode: Never, env: [{value: x}]}}",
                          in: dir) == .missingField(path: path, field: field + ".env[0].name"))
        }
    }

    @Test func errorTexts() {
        let f = "/home/me/.kube/config"
        #expect(KubeConfigError.unsupportedAuth(path: f, field: "users[u].user.auth-provider.name").description
                == "\(f): users[u].user.auth-provider.name: this auth-provider is not supported (kubectl keeps only oidc; use an exec plugin)")
        #expect(KubeConfigError.execCertificateNeedsMake(path: f, field: "users[u].user.exec").description
                == "\(f): users[u].user.exec: the exec plugin returned a client certificate, but this client's TLS configuration "
                + "is fixed; create it with KubernetesClient.make(config:), which runs the plugin first")
        #expect(KubeConfigError.oidcTokenRejected(path: f, field: "users[u].user.auth-provider.config.id-token", issuer: nil).description
                == "\(f): users[u].user.auth-provider.config.id-token: the server rejected the OIDC id-token (401); podcap does not "
                + "refresh it: get a new one from your identity provider (e.g. `kubectl oidc-login`, kubelogin) and update the kubeconfig")
        #expect(KubeConfigError.removedAuthProvider(path: f, field: "users[u].user.auth-provider", name: "gcp", replacement: "x").description
                == "\(f): users[u].user.auth-provider: the \"gcp\" auth-provider was removed from kubectl (1.26); use the exec credential plugin x instead")
        #expect(KubeConfigError.noKubeconfigFound(source: "KUBECONFIG", paths: ["/a", "/b"]).description
                == "KUBECONFIG: none of the listed kubeconfig files exists: /a, /b")
        #expect(KubeConfigError.unknownContext(source: "in-cluster", field: "--context", name: "x", available: []).description
                == "in-cluster: --context: context \"x\" is not defined; available contexts: none")
        #expect(KubeAPIError.credentials(.execPluginFailed(path: f, field: "users[u].user.exec", reason: "r")).description
                == "credentials: \(f): users[u].user.exec: exec credential plugin failed: r")
    }

    @Test func execInfoCarriesTheClusterWhenAsked() throws {
        var config = KubeConfig(server: "https://k:6443", certificateAuthorityPEM: Array("PEM".utf8))
        config.tlsServerName = "kubernetes"
        var plugin = KubeConfig.ExecPlugin(command: "x", apiVersion: .v1beta1)
        #expect(ExecInfo(plugin: plugin, config: config).json
                == #"{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","spec":{"interactive":false}}"#)
        plugin.provideClusterInfo = true
        #expect(ExecInfo(plugin: plugin, config: config).json == #"{"apiVersion":"client.authentication.k8s.io/v1beta1","kind":"ExecCredential","#
                + #""spec":{"cluster":{"certificate-authority-data":"UEVN","server":"https://k:6443","tls-server-name":"kubernetes"},"#
                + #""interactive":false}}"#)
    }

    @Test func serverURLRewriteForTLSServerName() {
        func rewrite(_ server: String, _ host: String) -> [String]? {
            KubernetesClient.serverURL(server, host: host).map { [$0.url, $0.originalHost] }
        }
        #expect(rewrite("https://127.0.0.1:6443", "kubernetes") == ["https://kubernetes:6443", "127.0.0.1"])
        #expect(rewrite("https://[fd00::1]:6443/prefix", "api") == ["https://api:6443/prefix", "fd00::1"])
        #expect(rewrite("https://10.0.0.1", "api") == ["https://api", "10.0.0.1"])
    }
}
