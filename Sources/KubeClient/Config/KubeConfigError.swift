/// Why a Kubernetes client configuration could not be loaded.
///
/// Every case names the file (or environment variable) and the field at fault, so that a
/// startup failure tells the operator exactly what to fix.
public enum KubeConfigError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Neither a kubeconfig path, `KUBECONFIG`, nor the in-cluster environment was found.
    case noConfiguration
    /// A file named by `field` (in `source`) could not be read.
    case unreadableFile(path: String, field: String, source: String, reason: String)
    /// The kubeconfig is not valid YAML or not a mapping.
    case invalidYAML(path: String, reason: String)
    /// A required field is absent or empty.
    case missingField(path: String, field: String)
    /// `current-context` (or a context's cluster/user) names an entry that does not exist.
    case unknownReference(path: String, field: String, name: String)
    /// `server` (or `KUBERNETES_SERVICE_HOST`/`PORT`) does not form an http(s) URL.
    case invalidServerURL(source: String, field: String, value: String)
    /// A `*-data` field is not valid base64.
    case invalidBase64(path: String, field: String)
    /// A certificate or key does not parse as PEM.
    case invalidPEM(source: String, field: String, reason: String)
    /// The user entry uses an authentication method podcap does not implement (exec, auth-provider, basic auth).
    case unsupportedAuth(path: String, field: String)
    /// A client certificate was given without its key, or the reverse.
    case incompleteClientCertificate(path: String, field: String)

    public var description: String {
        switch self {
        case .noConfiguration:
            return "no Kubernetes configuration: pass --kubeconfig, set KUBECONFIG, or run in a Pod (KUBERNETES_SERVICE_HOST)"
        case .unreadableFile(let path, let field, let source, let reason):
            return "\(source): \(field): cannot read \(path): \(reason)"
        case .invalidYAML(let path, let reason):
            return "\(path): not a valid kubeconfig: \(reason)"
        case .missingField(let path, let field):
            return "\(path): \(field) is missing"
        case .unknownReference(let path, let field, let name):
            return "\(path): \(field) names \"\(name)\", which is not defined"
        case .invalidServerURL(let source, let field, let value):
            return "\(source): \(field): \"\(value)\" is not an http(s) URL"
        case .invalidBase64(let path, let field):
            return "\(path): \(field) is not valid base64"
        case .invalidPEM(let source, let field, let reason):
            return "\(source): \(field): not a valid PEM certificate/key: \(reason)"
        case .unsupportedAuth(let path, let field):
            return "\(path): \(field): this authentication method is not supported (use token, tokenFile or client certificates)"
        case .incompleteClientCertificate(let path, let field):
            return "\(path): \(field): a client certificate needs both client-certificate and client-key"
        }
    }
}
