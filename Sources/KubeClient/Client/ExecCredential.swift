#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOSSL

/// What an exec credential plugin printed: a token, a client certificate, or both, and until when.
struct ExecCredential: Sendable, Equatable {
    var token: String?
    var clientCertificate: KubeConfig.ClientCertificate?
    /// `status.expirationTimestamp`; `nil` means valid until the server rejects it.
    var expiration: Date?

    /// Parses the plugin's stdout, checking it answers the `apiVersion` asked for.
    ///
    /// - Throws: the reason, for ``KubeConfigError/execPluginFailed(path:field:reason:)``.
    static func parse(_ output: [UInt8], apiVersion: KubeConfig.ExecPlugin.APIVersion) throws(ExecCredentialParseError) -> ExecCredential {
        let wire: Wire
        do {
            wire = try JSONDecoder().decode(Wire.self, from: Data(output))
        } catch {
            let preview = String(decoding: output.prefix(80), as: UTF8.self).trimmingWhitespace()
            throw .init("output is not ExecCredential JSON (\(preview.isEmpty ? "empty" : "\"\(preview)\""))")
        }
        guard wire.kind == "ExecCredential" else {
            throw .init("output has kind \"\(wire.kind ?? "")\", expected \"ExecCredential\"")
        }
        guard wire.apiVersion == apiVersion.rawValue else {
            throw .init("output has apiVersion \"\(wire.apiVersion ?? "")\", expected \"\(apiVersion.rawValue)\" as configured")
        }
        guard let status = wire.status else { throw .init("output has no status") }
        var credential = ExecCredential()
        if let token = status.token, !token.isEmpty { credential.token = token }
        let cert = status.clientCertificateData.flatMap { $0.isEmpty ? nil : $0 }
        let key = status.clientKeyData.flatMap { $0.isEmpty ? nil : $0 }
        switch (cert, key) {
        case (let cert?, let key?):
            do {
                if try NIOSSLCertificate.fromPEMBytes(Array(cert.utf8)).isEmpty { throw ExecCredentialParseError("no certificate") }
                _ = try NIOSSLPrivateKey(bytes: Array(key.utf8), format: .pem)
            } catch {
                throw .init("status.clientCertificateData/clientKeyData are not a PEM certificate and key: \(error)")
            }
            credential.clientCertificate = .init(certificatePEM: Array(cert.utf8), keyPEM: Array(key.utf8))
        case (nil, nil):
            break
        default:
            throw .init("status has only one of clientCertificateData and clientKeyData; both are needed")
        }
        if credential.token == nil && credential.clientCertificate == nil {
            throw .init("status has neither a token nor clientCertificateData/clientKeyData")
        }
        if let stamp = status.expirationTimestamp, !stamp.isEmpty {
            guard let date = RFC3339.parse(stamp) else {
                throw .init("status.expirationTimestamp \"\(stamp)\" is not an RFC 3339 time")
            }
            credential.expiration = date
        }
        return credential
    }

    /// Whether the credential must be fetched again at `now`.
    func isExpired(at now: Date) -> Bool {
        guard let expiration else { return false }
        return now >= expiration
    }

    private struct Wire: Decodable {
        var apiVersion: String?
        var kind: String?
        var status: Status?

        struct Status: Decodable {
            var token: String?
            var clientCertificateData: String?
            var clientKeyData: String?
            var expirationTimestamp: String?
        }
    }
}

/// Why a plugin's output was not a usable `ExecCredential`.
struct ExecCredentialParseError: Error, Equatable, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
