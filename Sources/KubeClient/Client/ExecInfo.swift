#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// The `KUBERNETES_EXEC_INFO` a credential plugin reads: an `ExecCredential` with only `spec`.
struct ExecInfo: Encodable {
    var apiVersion: String
    var kind = "ExecCredential"
    var spec: Spec

    struct Spec: Encodable {
        /// Always false: podcap gives plugins no terminal.
        var interactive = false
        var cluster: Cluster?
    }

    /// client-go's `clientauthentication.Cluster`, sent when `provideClusterInfo` is true. The
    /// cluster's `extensions[client.authentication.k8s.io/exec]` (`config`) is not passed.
    struct Cluster: Encodable {
        var server: String
        var tlsServerName: String?
        var insecureSkipTLSVerify: Bool?
        /// base64, as Go encodes `[]byte`.
        var certificateAuthorityData: String?

        enum CodingKeys: String, CodingKey {
            case server
            case tlsServerName = "tls-server-name"
            case insecureSkipTLSVerify = "insecure-skip-tls-verify"
            case certificateAuthorityData = "certificate-authority-data"
        }
    }

    init(plugin: KubeConfig.ExecPlugin, config: KubeConfig) {
        apiVersion = plugin.apiVersion.rawValue
        spec = Spec()
        if plugin.provideClusterInfo {
            spec.cluster = Cluster(
                server: config.server, tlsServerName: config.tlsServerName,
                insecureSkipTLSVerify: config.insecureSkipTLSVerify ? true : nil,
                certificateAuthorityData: config.certificateAuthorityPEM.map { Data($0).base64EncodedString() })
        }
    }

    /// The JSON text; encoding these plain structs cannot fail.
    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { return #"{"kind":"ExecCredential"}"# }
        return String(decoding: data, as: UTF8.self)
    }
}
