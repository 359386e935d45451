import Foundation
@testable import KubeClient
import Synchronization
import Testing

/// ExecCredential output parsing, and running plugins (failures need no API server: the plugin
/// runs before the first connection).
@Suite("exec credential plugins")
struct ExecCredentialTests {
    static let v1 = "client.authentication.k8s.io/v1"
    static let v1beta1 = "client.authentication.k8s.io/v1beta1"

    func parse(_ json: String, _ version: KubeConfig.ExecPlugin.APIVersion = .v1) throws(ExecCredentialParseError) -> ExecCredential {
        try ExecCredential.parse(Array(json.utf8), apiVersion: version)
    }

    func parseError(_ json: String, _ version: KubeConfig.ExecPlugin.APIVersion = .v1) -> String? {
        do {
            _ = try parse(json, version)
            return nil
        } catch {
            return error.description
        }
    }

    /// JSON string literal of a file's text (PEM has newlines).
    func jsonString(_ path: String) throws -> String {
        let data = try JSONEncoder().encode(try String(contentsOfFile: path, encoding: .utf8))
        return String(decoding: data, as: UTF8.self)
    }

    @Test func tokenCredentials() throws {
        let plain = try parse(#"{"apiVersion":"\#(Self.v1)","kind":"ExecCredential","status":{"token":"abc"}}"#)
        #expect(plain == ExecCredential(token: "abc", clientCertificate: nil, expiration: nil))
        let beta = try parse(#"{"apiVersion":"\#(Self.v1beta1)","kind":"ExecCredential","spec":{},"#
                             + #""status":{"token":"t","expirationTimestamp":"2026-12-02T03:04:05Z"}}"#, .v1beta1)
        #expect(beta.token == "t")
        #expect(beta.expiration == Date(timeIntervalSince1970: 1_796_180_645))
        #expect(beta.isExpired(at: Date(timeIntervalSince1970: 1_796_180_644)) == false)
        #expect(beta.isExpired(at: Date(timeIntervalSince1970: 1_796_180_645)))
        #expect(plain.isExpired(at: .distantFuture) == false)
    }

    @Test func certificateCredentials() throws {
        let cert = try jsonString(ConfigTests.certs + "/client.crt")
        let key = try jsonString(ConfigTests.certs + "/client.key")
        let c = try parse(#"{"apiVersion":"\#(Self.v1)","kind":"ExecCredential","status":{"clientCertificateData":\#(cert),"#
                          + #""clientKeyData":\#(key)}}"#)
        #expect(c.token == nil)
        #expect(c.clientCertificate?.certificatePEM == Array(try Data(contentsOf: URL(fileURLWithPath: ConfigTests.certs + "/client.crt"))))
        #expect(parseError(#"{"apiVersion":"\#(Self.v1)","kind":"ExecCredential","status":{"clientCertificateData":\#(cert)}}"#)
                == "status has only one of clientCertificateData and clientKeyData; both are needed")
        #expect(parseError(#"{"apiVersion":"\#(Self.v1)","kind":"ExecCredential","status":{"clientCertificateData":"x","clientKeyData":"y"}}"#)?
            .hasPrefix("status.clientCertificateData/clientKeyData are not a PEM certificate and key") == true)
    }

    @Test func malformedOutput() {
        #expect(parseError("not json") == #"output is not ExecCredential JSON ("not json")"#)
        #expect(parseError("") == "output is not ExecCredential JSON (empty)")
        #expect(parseError(#"{"apiVersion":"\#(Self.v1)","kind":"Secret","status":{"token":"a"}}"#)
                == #"output has kind "Secret", expected "ExecCredential""#)
        #expect(parseError(#"{"apiVersion":"\#(Self.v1beta1)","kind":"ExecCredential","status":{"token":"a"}}"#)
                == #"output has apiVersion "client.authentication.k8s.io/v1beta1", expected "client.authentication.k8s.io/v1" as configured"#)
        #expect(parseError(#"{"apiVersion":"\#(Self.v1)","kind":"ExecCredential"}"#) == "output has no status")
        #expect(parseError(#"{"apiVersion":"\#(Self.v1)","kind":"ExecCredential","status":{}}"#)
                == "status has neither a token nor clientCertificateData/clientKeyData")
        #expect(parseError(#"{"apiVersion":"\#(Self.v1)","kind":"ExecCredential","status":{"token":"a","expirationTimestamp":"tomorrow"}}"#)
                == #"status.expirationTimestamp "tomorrow" is not an RFC 3339 time"#)
    }

    @Test func rfc3339Forms() {
        let base = 1_796_180_645.0
        #expect(RFC3339.parse("2026-12-02T03:04:05Z")?.timeIntervalSince1970 == base)
        #expect(RFC3339.parse("2026-12-02T05:04:05+02:00")?.timeIntervalSince1970 == base)
        #expect(RFC3339.parse("2026-12-01T22:34:05-04:30")?.timeIntervalSince1970 == base)
        #expect(RFC3339.parse("2026-12-02T03:04:05.25Z")?.timeIntervalSince1970 == base + 0.25)
        #expect(RFC3339.parse("1970-01-01T00:00:00Z")?.timeIntervalSince1970 == 0)
        #expect(RFC3339.parse("2000-02-29T00:00:00Z")?.timeIntervalSince1970 == 951_782_400)
        for bad in ["2026-12-02", "2026-13-02T03:04:05Z", "2026-12-02T03:04:05", "2026-12-02T03:04:05.Z", "2026-12-02T03:04:05+0200"] {
            #expect(RFC3339.parse(bad) == nil, "\(bad)")
        }
    }

    @Test func commandLookupFollowsPATH() throws {
        #expect(ExecPluginRunner.locate("sh", path: "/nonexistent:/bin") == "/bin/sh")
        #expect(ExecPluginRunner.locate("sh", path: "/nonexistent") == nil)
        // A directory of that name is skipped, as exec.LookPath skips it.
        try withTempDir { dir in
            try FileManager.default.createDirectory(atPath: dir + "/sh", withIntermediateDirectories: true)
            #expect(ExecPluginRunner.locate("sh", path: "\(dir):/bin") == "/bin/sh")
            try write("#!/bin/sh\n", to: dir + "/plain")
            #expect(ExecPluginRunner.locate(dir + "/plain", path: nil) == nil)
        }
    }

    /// The request error a client with `plugin` reports; the server address is never contacted.
    func requestError(_ plugin: KubeConfig.ExecPlugin, timeout: Duration = .seconds(20)) async -> KubeAPIError? {
        var config = KubeConfig(server: "https://127.0.0.1:1", source: plugin.source)
        config.exec = plugin
        do {
            let client = try await KubernetesClient.make(config: config, options: .init(execTimeout: timeout))
            try? await client.shutdown()
            return nil
        } catch {
            return error
        }
    }

    @Test func failingPluginsAreOneClearError() async throws {
        try await withTempDir { dir in
            let field = "users[me].user.exec"
            func plugin(_ command: String, hint: String? = nil) -> KubeConfig.ExecPlugin {
                .init(command: command, apiVersion: .v1, installHint: hint, source: dir + "/config", field: field)
            }
            let missing = await requestError(plugin("podcap-no-such-plugin", hint: "Install it with: apt-get install x\n"))
            #expect(missing?.description == "credentials: \(dir)/config: \(field): exec credential plugin failed: "
                    + "command \"podcap-no-such-plugin\" not found in PATH; Install it with: apt-get install x")
            try writeScript("#!/bin/sh\necho 'warming up' >&2\necho 'error: token expired, run aws sso login' >&2\nexit 3\n",
                            to: dir + "/fails")
            #expect(await requestError(plugin(dir + "/fails")) == .credentials(.execPluginFailed(
                path: dir + "/config", field: field, reason: "\(dir)/fails exited with status 3: error: token expired, run aws sso login")))
            try writeScript("#!/bin/sh\necho '{\"kind\": '\n", to: dir + "/badjson")
            guard case .credentials(.execPluginFailed(_, field, let reason))? = await requestError(plugin(dir + "/badjson")) else {
                Issue.record("bad JSON"); return
            }
            #expect(reason.hasPrefix("output is not ExecCredential JSON"))
            // A plugin that never answers is killed at the deadline, with whatever it started.
            try writeScript("#!/bin/sh\nsleep 30\n", to: dir + "/hangs")
            let started = ContinuousClock.now
            #expect(await requestError(plugin(dir + "/hangs"), timeout: .milliseconds(300)) == .credentials(.execPluginFailed(
                path: dir + "/config", field: field, reason: "\(dir)/hangs did not finish within 0.3 seconds")))
            #expect(ContinuousClock.now - started < .seconds(10))
        }
    }

    @Test func credentialIsCachedUntilExpiryAndAfter401() async throws {
        try await withTempDir { dir in
            // Prints a token that expires at the time given as $1; counts its runs in $2.
            try writeScript("""
                #!/bin/sh
                echo run >> "$2"
                printf '{"apiVersion":"%s","kind":"ExecCredential","status":{"token":"t","expirationTimestamp":"%s"}}' "$API" "$1"
                """, to: dir + "/plugin")
            let counter = dir + "/runs"
            let clock = TestClock(Date(timeIntervalSince1970: 1_000))
            let plugin = KubeConfig.ExecPlugin(
                command: dir + "/plugin", arguments: ["1970-01-01T00:20:00Z", counter],
                environment: [.init(name: "API", value: Self.v1beta1)], apiVersion: .v1beta1)
            let provider = ExecCredentialProvider(plugin: plugin, config: KubeConfig(server: "https://k"), timeout: .seconds(20),
                                                  now: { clock.now })
            async let a = provider.credential()
            async let b = provider.credential()
            let (first, second) = try await (a, b)
            #expect(first == second && first.token == "t")
            #expect(provider.runCount == 1)
            _ = try await provider.credential()
            #expect(provider.runCount == 1)
            clock.now = Date(timeIntervalSince1970: 1_200)
            _ = try await provider.credential()
            #expect(provider.runCount == 2)
            provider.invalidate(sent: first)
            _ = try await provider.credential()
            #expect(provider.runCount == 3)
            #expect(try String(contentsOfFile: counter, encoding: .utf8) == "run\nrun\nrun\n")
        }
    }
}

/// A settable wall clock for expiry tests.
final class TestClock: Sendable {
    private let value: Mutex<Date>
    init(_ start: Date) { value = Mutex(start) }
    var now: Date {
        get { value.withLock { $0 } }
        set { value.withLock { $0 = newValue } }
    }
}
