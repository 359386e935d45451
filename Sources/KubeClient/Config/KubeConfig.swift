/// Where and how to reach the Kubernetes API server: endpoint, trust, and credentials.
///
/// Load it with ``load(kubeconfigPath:context:environment:inClusterRoot:)``, which reads
/// kubeconfigs as kubectl does; certificates and keys are validated at load time so that a broken
/// file is a startup error, not a failure on first use. Exec credential plugins run later, when the
/// client needs a credential (``KubernetesClient/make(config:options:logger:)`` runs it at once).
public struct KubeConfig: Sendable, Equatable {
    /// Base URL of the API server, e.g. `https://10.0.0.1:443`, without a trailing slash.
    public var server: String
    /// PEM bytes of the CA bundle that signs the server certificate; `nil` means the system roots.
    public var certificateAuthorityPEM: [UInt8]?
    /// Skip server certificate verification (kubeconfig `insecure-skip-tls-verify`).
    public var insecureSkipTLSVerify: Bool
    /// The name the server certificate is checked against and sent as SNI (kubeconfig
    /// `tls-server-name`); `nil` means the host of ``server``.
    public var tlsServerName: String?
    /// Bearer-token credentials, if any.
    public var token: TokenCredential?
    /// Client certificate and key (PEM), if any.
    public var clientCertificate: ClientCertificate?
    /// HTTP basic credentials (kubeconfig `username`/`password`), if any.
    public var basicAuth: BasicAuth?
    /// An exec credential plugin that supplies a token or a client certificate, if any.
    public var exec: ExecPlugin?
    /// An OIDC id-token from `auth-provider: {name: oidc}`, sent as the bearer token, if any.
    public var oidc: OIDCToken?
    /// Whom to act as (kubeconfig `as`, `as-uid`, `as-groups`, `as-user-extra`), if anyone.
    public var impersonation: Impersonation?
    /// The default namespace of the context or service account.
    public var namespace: String
    /// The kubeconfig context used; `nil` for in-cluster or inline configurations.
    public var contextName: String?
    /// Where the configuration came from, for messages: a file, several joined by `:`, or `in-cluster`.
    public var source: String

    /// Bearer token source.
    public enum TokenCredential: Sendable, Equatable {
        /// A literal token.
        case literal(String)
        /// A file re-read whenever it changes (projected service-account tokens rotate).
        case file(path: String)
    }

    /// A PEM client certificate chain and its private key.
    public struct ClientCertificate: Sendable, Equatable {
        public var certificatePEM: [UInt8]
        public var keyPEM: [UInt8]
        public init(certificatePEM: [UInt8], keyPEM: [UInt8]) {
            self.certificatePEM = certificatePEM
            self.keyPEM = keyPEM
        }
    }

    /// Creates a configuration directly (tests, `podcap demo`).
    public init(
        server: String, certificateAuthorityPEM: [UInt8]? = nil, insecureSkipTLSVerify: Bool = false,
        token: TokenCredential? = nil, clientCertificate: ClientCertificate? = nil,
        namespace: String = "default", source: String = "<inline>"
    ) {
        self.server = server
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.insecureSkipTLSVerify = insecureSkipTLSVerify
        self.token = token
        self.clientCertificate = clientCertificate
        self.namespace = namespace
        self.source = source
    }
}
