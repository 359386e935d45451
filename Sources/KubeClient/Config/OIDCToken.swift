extension KubeConfig {
    /// `auth-provider: {name: oidc, config: {id-token: …}}`: the id-token is the bearer token.
    ///
    /// Not refreshed (that needs the client secret and the issuer's token endpoint, which kubectl
    /// itself now leaves to kubelogin); a 401 becomes ``KubeConfigError/oidcTokenRejected(path:field:issuer:)``.
    public struct OIDCToken: Sendable, Equatable {
        public var idToken: String
        /// `idp-issuer-url`, named in the error when the token is rejected.
        public var issuerURL: String?
        /// The kubeconfig file and field, for messages.
        public var source: String
        public var field: String

        public init(idToken: String, issuerURL: String? = nil, source: String = "<inline>", field: String = "auth-provider") {
            self.idToken = idToken
            self.issuerURL = issuerURL
            self.source = source
            self.field = field
        }
    }
}
