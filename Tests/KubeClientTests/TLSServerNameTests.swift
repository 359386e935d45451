import Foundation
import KubeClient
import NIOHTTP1
import Testing

/// `tls-server-name` and the credential headers, seen by a TLS server whose certificate names
/// only `podcap-sni.test` (no IP SAN, so the name is the only thing that can match).
@Suite("tls-server-name and headers on the wire")
struct TLSServerNameTests {
    /// Runs `body` with a recording server using a certificate for DNS:podcap-sni.test from the suite CA.
    func withServer(_ body: (RecordingTLSServer, [UInt8]) async throws -> Void) async throws {
        try await withTempDir { dir in
            try write("subjectAltName=DNS:podcap-sni.test\nextendedKeyUsage=serverAuth\n", to: dir + "/ext")
            try openssl(["req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=podcap-sni.test",
                         "-keyout", dir + "/tls.key", "-out", dir + "/tls.csr"])
            try openssl(["x509", "-req", "-in", dir + "/tls.csr", "-CA", ConfigTests.certs + "/ca.crt",
                         "-CAkey", ConfigTests.certs + "/ca.key", "-CAcreateserial", "-CAserial", dir + "/ca.srl",
                         "-days", "1", "-extfile", dir + "/ext", "-out", dir + "/tls.crt"])
            let server = try await RecordingTLSServer.start(certificate: dir + "/tls.crt", key: dir + "/tls.key")
            let ca = Array(try Data(contentsOf: URL(fileURLWithPath: ConfigTests.certs + "/ca.crt")))
            do {
                try await body(server, ca)
            } catch {
                try? await server.shutdown()
                throw error
            }
            try await server.shutdown()
        }
    }

    func get(_ config: KubeConfig) async -> Result<Int, KubeAPIError> {
        let client: KubernetesClient
        do {
            client = try KubernetesClient(config: config)
        } catch {
            return .failure(error)
        }
        let result: Result<Int, KubeAPIError>
        do {
            result = .success(try await client.send(.GET, path: "/api/v1/namespaces").code)
        } catch {
            result = .failure(error)
        }
        try? await client.shutdown()
        return result
    }

    @Test func theServerNameIsVerifiedAndTheHeadersSent() async throws {
        try await withServer { server, ca in
            var config = KubeConfig(server: "https://127.0.0.1:\(server.port)", certificateAuthorityPEM: ca)
            // The certificate does not name 127.0.0.1.
            guard case .failure(.transport) = await get(config) else { Issue.record("no name check without tls-server-name"); return }
            config.tlsServerName = "wrong.test"
            guard case .failure(.transport) = await get(config) else { Issue.record("wrong tls-server-name accepted"); return }
            config.tlsServerName = "podcap-sni.test"
            config.basicAuth = .init(username: "alice", password: "pw")
            config.impersonation = .init(user: "bob", uid: "7", groups: ["g1", "g2"], extra: ["scopes": ["a", "b"]])
            #expect(try await get(config).get() == 200)
            let head = try #require(server.requests.last)
            #expect(head.uri == "/api/v1/namespaces")
            #expect(head.headers["Authorization"] == ["Basic " + Data("alice:pw".utf8).base64EncodedString()])
            #expect(head.headers["Impersonate-User"] == ["bob"] && head.headers["Impersonate-Uid"] == ["7"])
            #expect(head.headers["Impersonate-Group"] == ["g1", "g2"])
            #expect(head.headers["Impersonate-Extra-scopes"] == ["a", "b"])
            // A token next to an exec plugin is sent, and the plugin (which does not exist) never runs.
            var withExec = KubeConfig(server: config.server, certificateAuthorityPEM: ca, token: .literal("tok"))
            withExec.tlsServerName = "podcap-sni.test"
            withExec.exec = .init(command: "podcap-no-such-plugin")
            #expect(try await get(withExec).get() == 200)
            #expect(server.requests.last?.headers["Authorization"] == ["Bearer tok"])
        }
    }
}
