import YAML

/// The credentials of one `users[]` entry, checked as client-go's `validateAuthInfo` checks them.
struct UserCredentials {
    var token: KubeConfig.TokenCredential?
    var clientCertificate: KubeConfig.ClientCertificate?
    var basicAuth: KubeConfig.BasicAuth?
    var exec: KubeConfig.ExecPlugin?
    var oidc: KubeConfig.OIDCToken?
    var impersonation: KubeConfig.Impersonation?

    func apply(to config: inout KubeConfig) {
        config.token = token
        config.clientCertificate = clientCertificate
        config.basicAuth = basicAuth
        config.exec = exec
        config.oidc = oidc
        config.impersonation = impersonation
    }

    static func parse(_ entry: KubeconfigSet.Entry, name: String) throws(KubeConfigError) -> UserCredentials {
        let user = entry.body
        let path = entry.file
        let field = "users[\(name)].user"
        var out = UserCredentials()
        var methods: [String] = []

        if let literal = user["token"]?.string, !literal.isEmpty {
            out.token = .literal(literal)
            methods.append("token")
        } else if let file = user["tokenFile"]?.string, !file.isEmpty {
            let resolved = KubeConfig.resolve(file, baseDir: entry.baseDir)
            _ = try KubeConfig.readFile(resolved, field: field + ".tokenFile", source: path)
            out.token = .file(path: resolved)
            methods.append("tokenFile")
        }
        let username = user["username"]?.string ?? ""
        let password = user["password"]?.string ?? ""
        if !username.isEmpty {
            out.basicAuth = KubeConfig.BasicAuth(username: username, password: password)
            methods.append("username/password")
        } else if !password.isEmpty {
            throw .missingField(path: path, field: field + ".username")
        }
        // client-go refuses a token with basic auth, and an exec plugin with an auth-provider; other
        // combinations load, and the request carries the first of token, basic, OIDC, exec.
        if methods.count > 1 { throw .conflictingAuth(path: path, field: field, methods: methods) }
        let exec = user["exec"].flatMap { $0.isNull ? nil : $0 }
        let provider = user["auth-provider"].flatMap { $0.isNull ? nil : $0 }
        if exec != nil && provider != nil {
            throw .conflictingAuth(path: path, field: field, methods: ["exec", "auth-provider"])
        }
        if let exec {
            out.exec = try ExecPluginParser.parse(exec, path: path, field: field + ".exec", baseDir: entry.baseDir)
        }
        if let provider {
            out.oidc = try parseAuthProvider(provider, path: path, field: field + ".auth-provider")
        }
        out.clientCertificate = try clientCertificate(user, path: path, field: field, baseDir: entry.baseDir)
        out.impersonation = try impersonation(user, path: path, field: field)
        return out
    }

    private static func clientCertificate(
        _ user: YAMLNode, path: String, field: String, baseDir: String
    ) throws(KubeConfigError) -> KubeConfig.ClientCertificate? {
        let cert = try KubeConfig.pemField(user, dataKey: "client-certificate-data", fileKey: "client-certificate",
                                           prefix: field, path: path, baseDir: baseDir)
        let key = try KubeConfig.pemField(user, dataKey: "client-key-data", fileKey: "client-key",
                                          prefix: field, path: path, baseDir: baseDir)
        switch (cert, key) {
        case (nil, nil):
            return nil
        case (let cert?, let key?):
            try KubeConfig.validateCertificates(cert.bytes, source: cert.source, field: cert.field)
            try KubeConfig.validateKey(key.bytes, source: key.source, field: key.field)
            return KubeConfig.ClientCertificate(certificatePEM: cert.bytes, keyPEM: key.bytes)
        case (let cert?, nil):
            throw .incompleteClientCertificate(path: path, field: cert.field)
        case (nil, let key?):
            throw .incompleteClientCertificate(path: path, field: key.field)
        }
    }

    /// kubectl ≥ 1.26 keeps only the oidc provider; gcp and azure moved to exec plugins.
    private static func parseAuthProvider(
        _ provider: YAMLNode, path: String, field: String
    ) throws(KubeConfigError) -> KubeConfig.OIDCToken {
        guard let name = provider["name"]?.string, !name.isEmpty else {
            throw .missingField(path: path, field: field + ".name")
        }
        switch name {
        case "oidc":
            let config = provider["config"]
            guard let idToken = config?["id-token"]?.string, !idToken.isEmpty else {
                throw .missingField(path: path, field: field + ".config.id-token")
            }
            return KubeConfig.OIDCToken(
                idToken: idToken, issuerURL: config?["idp-issuer-url"]?.string, source: path,
                field: field + ".config.id-token")
        case "gcp":
            throw .removedAuthProvider(path: path, field: field, name: name,
                                       replacement: "gke-gcloud-auth-plugin (gcloud components install gke-gcloud-auth-plugin)")
        case "azure":
            throw .removedAuthProvider(path: path, field: field, name: name, replacement: "kubelogin (kubelogin convert-kubeconfig)")
        default:
            throw .unsupportedAuth(path: path, field: field + ".name")
        }
    }

    private static func impersonation(
        _ user: YAMLNode, path: String, field: String
    ) throws(KubeConfigError) -> KubeConfig.Impersonation? {
        var imp = KubeConfig.Impersonation()
        imp.user = user["as"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        imp.uid = user["as-uid"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        if let groups = user["as-groups"], !groups.isNull {
            guard let items = groups.array else { throw .invalidYAML(path: path, reason: field + ".as-groups is not a list") }
            imp.groups = items.compactMap(\.string)
        }
        if let extra = user["as-user-extra"], !extra.isNull {
            guard let pairs = extra.pairs else { throw .invalidYAML(path: path, reason: field + ".as-user-extra is not a mapping") }
            for pair in pairs {
                guard let key = pair.key.string else { continue }
                if let values = pair.value.array {
                    imp.extra[key] = values.compactMap(\.string)
                } else if let value = pair.value.string {
                    imp.extra[key] = [value]
                }
            }
        }
        return imp.isEmpty ? nil : imp
    }
}
