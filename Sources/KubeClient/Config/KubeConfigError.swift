/// Why a Kubernetes client configuration could not be loaded, or its credentials not obtained.
///
/// Every case names the file (or environment variable) and the field at fault, so that a
/// startup failure tells the operator exactly what to fix.
public enum KubeConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Neither a kubeconfig path, `KUBECONFIG`, nor the in-cluster environment was found.
    case noConfiguration
    /// `KUBECONFIG` (the `source`) was set, but none of the files it lists exists.
    case noKubeconfigFound(source: String, paths: [String])
    /// A file named by `field` (in `source`) could not be read.
    case unreadableFile(path: String, field: String, source: String, reason: String)
    /// The kubeconfig is not valid YAML or not a mapping.
    case invalidYAML(path: String, reason: String)
    /// A required field is absent or empty.
    case missingField(path: String, field: String)
    /// A context's cluster or user names an entry that does not exist.
    case unknownReference(path: String, field: String, name: String)
    /// `current-context` (in `source`) or `--context` names a context that no file defines.
    case unknownContext(source: String, field: String, name: String, available: [String])
    /// `server` (or `KUBERNETES_SERVICE_HOST`/`PORT`) does not form an http(s) URL.
    case invalidServerURL(source: String, field: String, value: String)
    /// A `*-data` field is not valid base64.
    case invalidBase64(path: String, field: String)
    /// A certificate or key does not parse as PEM.
    case invalidPEM(source: String, field: String, reason: String)
    /// The user entry uses an authentication method podcap does not implement (an unknown auth-provider).
    case unsupportedAuth(path: String, field: String)
    /// An auth-provider kubectl itself removed (gcp, azure); `replacement` is the exec plugin to use.
    case removedAuthProvider(path: String, field: String, name: String, replacement: String)
    /// The user entry sets more than one way to authenticate, which kubectl refuses too.
    case conflictingAuth(path: String, field: String, methods: [String])
    /// A field podcap does not implement (`proxy-url`), rejected rather than silently ignored.
    case unsupportedField(path: String, field: String, reason: String)
    /// A client certificate was given without its key, or the reverse.
    case incompleteClientCertificate(path: String, field: String)
    /// The `exec` entry itself is unusable (unknown apiVersion, missing interactiveMode, …).
    case invalidExec(path: String, field: String, reason: String)
    /// Running the exec credential plugin failed: not found, non-zero exit, timeout, bad output.
    case execPluginFailed(path: String, field: String, reason: String)
    /// The exec plugin returned a client certificate to a client whose TLS was already fixed.
    case execCertificateNeedsMake(path: String, field: String)
    /// The server rejected (401) the auth-provider's id-token, which podcap does not refresh.
    case oidcTokenRejected(path: String, field: String, issuer: String?)

    public var description: String {
        switch self {
        case .noConfiguration:
            return "no Kubernetes configuration: pass --kubeconfig, set KUBECONFIG, or run in a Pod (KUBERNETES_SERVICE_HOST)"
        case .noKubeconfigFound(let source, let paths):
            return "\(source): none of the listed kubeconfig files exists: \(paths.joined(separator: ", "))"
        case .unreadableFile(let path, let field, let source, let reason):
            return "\(source): \(field): cannot read \(path): \(reason)"
        case .invalidYAML(let path, let reason):
            return "\(path): not a valid kubeconfig: \(reason)"
        case .missingField(let path, let field):
            return "\(path): \(field) is missing"
        case .unknownReference(let path, let field, let name):
            return "\(path): \(field) names \"\(name)\", which is not defined"
        case .unknownContext(let source, let field, let name, let available):
            let list = available.isEmpty ? "none" : available.map { "\"\($0)\"" }.joined(separator: ", ")
            return "\(source): \(field): context \"\(name)\" is not defined; available contexts: \(list)"
        case .invalidServerURL(let source, let field, let value):
            return "\(source): \(field): \"\(value)\" is not an http(s) URL"
        case .invalidBase64(let path, let field):
            return "\(path): \(field) is not valid base64"
        case .invalidPEM(let source, let field, let reason):
            return "\(source): \(field): not a valid PEM certificate/key: \(reason)"
        case .unsupportedAuth(let path, let field):
            return "\(path): \(field): this auth-provider is not supported (kubectl keeps only oidc; use an exec plugin)"
        case .removedAuthProvider(let path, let field, let name, let replacement):
            return "\(path): \(field): the \"\(name)\" auth-provider was removed from kubectl (1.26); "
                + "use the exec credential plugin \(replacement) instead"
        case .conflictingAuth(let path, let field, let methods):
            return "\(path): \(field): more than one authentication method (\(methods.joined(separator: ", "))); only one is allowed"
        case .unsupportedField(let path, let field, let reason):
            return "\(path): \(field): not supported: \(reason)"
        case .incompleteClientCertificate(let path, let field):
            return "\(path): \(field): a client certificate needs both client-certificate and client-key"
        case .invalidExec(let path, let field, let reason):
            return "\(path): \(field): \(reason)"
        case .execPluginFailed(let path, let field, let reason):
            return "\(path): \(field): exec credential plugin failed: \(reason)"
        case .execCertificateNeedsMake(let path, let field):
            return "\(path): \(field): the exec plugin returned a client certificate, but this client's TLS "
                + "configuration is fixed; create it with KubernetesClient.make(config:), which runs the plugin first"
        case .oidcTokenRejected(let path, let field, let issuer):
            return "\(path): \(field): the server rejected the OIDC id-token (401); podcap does not refresh it: "
                + "get a new one from \(issuer.map { "the issuer \($0)" } ?? "your identity provider") "
                + "(e.g. `kubectl oidc-login`, kubelogin) and update the kubeconfig"
        }
    }
}
