import NIOHTTP1

/// The credential headers every request carries, and what a 401 means for them.
///
/// One of: bearer token (literal or rotating file), exec plugin, OIDC id-token, basic auth;
/// plus impersonation headers. Client certificates are in the TLS configuration instead.
final class RequestAuthenticator: Sendable {
    let tokens: TokenProvider?
    let exec: ExecCredentialProvider?
    private let oidc: KubeConfig.OIDCToken?
    private let basic: String?
    private let impersonation: [(name: String, value: String)]
    /// The TLS configuration has a client certificate: the kubeconfig's, or the exec plugin's
    /// first one (``KubernetesClient/make(config:options:logger:)``). Later ones cannot replace it.
    private let tlsHasClientCertificate: Bool

    init(config: KubeConfig, tokens: TokenProvider?, exec: ExecCredentialProvider?, tlsHasClientCertificate: Bool) {
        self.tokens = tokens
        self.exec = exec
        self.oidc = config.oidc
        self.basic = config.basicAuth?.headerValue
        self.impersonation = config.impersonation?.headers ?? []
        self.tlsHasClientCertificate = tlsHasClientCertificate
    }

    /// A 401 may be cured by fetching the credential again: re-reading a token file or re-running the plugin.
    var canRefresh: Bool {
        if exec != nil { return true }
        if case .file? = tokens?.credential { return true }
        return false
    }

    /// Adds the headers; returns the exec credential used, to invalidate exactly it after a 401.
    func apply(to headers: inout HTTPHeaders) async throws(KubeAPIError) -> ExecCredential? {
        for (name, value) in impersonation { headers.add(name: name, value: value) }
        // One Authorization header, from the first of token, basic, OIDC, exec: client-go's
        // auth-provider and exec round trippers leave a request that already has one alone.
        if let token = tokens?.current() {
            headers.add(name: "Authorization", value: "Bearer \(token)")
        } else if let basic {
            headers.add(name: "Authorization", value: basic)
        } else if let oidc {
            headers.add(name: "Authorization", value: "Bearer \(oidc.idToken)")
        }
        guard let exec, !headers.contains(name: "Authorization") else { return nil }
        let credential: ExecCredential
        do {
            credential = try await exec.credential()
        } catch {
            throw .credentials(error)
        }
        if credential.clientCertificate != nil && !tlsHasClientCertificate {
            throw .credentials(.execCertificateNeedsMake(path: exec.plugin.source, field: exec.plugin.field))
        }
        if let token = credential.token { headers.add(name: "Authorization", value: "Bearer \(token)") }
        return credential
    }

    /// After a 401: the next request fetches the credential again.
    func invalidate(sent: ExecCredential?) {
        tokens?.invalidate()
        exec?.invalidate(sent: sent)
    }

    /// The error for a final 401, when the credential kind has a better one than the HTTP status.
    func rejection() -> KubeAPIError? {
        guard let oidc else { return nil }
        return .credentials(.oidcTokenRejected(path: oidc.source, field: oidc.field, issuer: oidc.issuerURL))
    }
}
