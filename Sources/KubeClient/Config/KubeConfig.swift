#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import NIOSSL
import YAML

/// Where and how to reach the Kubernetes API server: endpoint, trust, and credentials.
///
/// Load it with ``load(kubeconfigPath:environment:inClusterRoot:)``; certificates and keys are
/// validated at load time so that a broken file is a startup error, not a failure on first use.
public struct KubeConfig: Sendable, Equatable {
    /// Base URL of the API server, e.g. `https://10.0.0.1:443`, without a trailing slash.
    public var server: String
    /// PEM bytes of the CA bundle that signs the server certificate; `nil` means the system roots.
    public var certificateAuthorityPEM: [UInt8]?
    /// Skip server certificate verification (kubeconfig `insecure-skip-tls-verify`).
    public var insecureSkipTLSVerify: Bool
    /// Bearer-token credentials, if any.
    public var token: TokenCredential?
    /// Client certificate and key (PEM), if any.
    public var clientCertificate: ClientCertificate?
    /// The default namespace of the context or service account.
    public var namespace: String
    /// Where the configuration came from, for messages.
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

    /// The usual lookup order: an explicit kubeconfig path, then `KUBECONFIG`, then the in-cluster
    /// service account, then `~/.kube/config` if it exists.
    ///
    /// - Parameters:
    ///   - kubeconfigPath: from `--kubeconfig`; wins over everything else.
    ///   - environment: the process environment (injectable for tests).
    ///   - inClusterRoot: the service-account directory (injectable for tests).
    public static func load(
        kubeconfigPath: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        inClusterRoot: String = "/var/run/secrets/kubernetes.io/serviceaccount"
    ) throws(KubeConfigError) -> KubeConfig {
        if let path = kubeconfigPath, !path.isEmpty {
            return try fromKubeconfig(path: path)
        }
        if let list = environment["KUBECONFIG"], !list.isEmpty {
            // KUBECONFIG may list several files; podcap uses the first, which holds current-context in practice.
            let first = list.split(separator: ":").first.map(String.init) ?? list
            return try fromKubeconfig(path: first)
        }
        if environment["KUBERNETES_SERVICE_HOST"] != nil {
            return try inCluster(environment: environment, root: inClusterRoot)
        }
        if let home = environment["HOME"] {
            let path = home + "/.kube/config"
            if FileManager.default.fileExists(atPath: path) { return try fromKubeconfig(path: path) }
        }
        throw .noConfiguration
    }

    /// The in-cluster configuration of a Pod's service account.
    public static func inCluster(
        environment: [String: String],
        root: String = "/var/run/secrets/kubernetes.io/serviceaccount"
    ) throws(KubeConfigError) -> KubeConfig {
        let source = "in-cluster"
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty else {
            throw .missingField(path: "environment", field: "KUBERNETES_SERVICE_HOST")
        }
        guard let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty else {
            throw .missingField(path: "environment", field: "KUBERNETES_SERVICE_PORT")
        }
        guard let portNumber = Int(port), (1...65535).contains(portNumber) else {
            throw .invalidServerURL(source: "environment", field: "KUBERNETES_SERVICE_PORT", value: port)
        }
        // An IPv6 service host needs brackets in a URL.
        let hostPart = host.contains(":") ? "[\(host)]" : host
        let server = "https://\(hostPart):\(portNumber)"
        let tokenPath = root + "/token"
        // Read once now so that a missing token is a startup error; later reads follow rotation.
        let token = try readFile(tokenPath, field: "token", source: source)
        if String(decoding: token, as: UTF8.self).trimmingWhitespace().isEmpty {
            throw .missingField(path: tokenPath, field: "token")
        }
        let ca = try readFile(root + "/ca.crt", field: "ca.crt", source: source)
        try validateCertificates(ca, source: root + "/ca.crt", field: "ca.crt")
        var namespace = "default"
        if let ns = try? readFile(root + "/namespace", field: "namespace", source: source) {
            let trimmed = String(decoding: ns, as: UTF8.self).trimmingWhitespace()
            if !trimmed.isEmpty { namespace = trimmed }
        }
        return KubeConfig(
            server: server, certificateAuthorityPEM: ca, token: .file(path: tokenPath),
            namespace: namespace, source: source)
    }

    /// Parses a kubeconfig file and resolves its `current-context`.
    public static func fromKubeconfig(path: String) throws(KubeConfigError) -> KubeConfig {
        let bytes = try readFile(path, field: "kubeconfig", source: "kubeconfig")
        return try fromKubeconfig(yaml: String(decoding: bytes, as: UTF8.self), path: path)
    }

    /// Parses kubeconfig YAML; `path` is used for messages and to resolve relative file references.
    public static func fromKubeconfig(yaml: String, path: String) throws(KubeConfigError) -> KubeConfig {
        let root: YAMLNode?
        do {
            root = try YAMLParser.parse(yaml)
        } catch {
            throw .invalidYAML(path: path, reason: "\(error)")
        }
        guard let doc = root, doc.pairs != nil else {
            throw .invalidYAML(path: path, reason: "top level is not a mapping")
        }
        let baseDir = directory(of: path)
        guard let contextName = doc["current-context"]?.string, !contextName.isEmpty else {
            throw .missingField(path: path, field: "current-context")
        }
        let context = try namedEntry(doc, list: "contexts", item: "context", name: contextName, path: path,
                                     field: "current-context")
        guard let clusterName = context["cluster"]?.string else {
            throw .missingField(path: path, field: "contexts[\(contextName)].context.cluster")
        }
        let cluster = try namedEntry(doc, list: "clusters", item: "cluster", name: clusterName, path: path,
                                     field: "contexts[\(contextName)].context.cluster")
        let userName = context["user"]?.string
        let user: YAMLNode
        if let userName, !userName.isEmpty {
            user = try namedEntry(doc, list: "users", item: "user", name: userName, path: path,
                                  field: "contexts[\(contextName)].context.user")
        } else {
            user = .mapping([])
        }
        let clusterField = "clusters[\(clusterName)].cluster"
        let userField = "users[\(userName ?? "")].user"

        guard let server = cluster["server"]?.string, !server.isEmpty else {
            throw .missingField(path: path, field: clusterField + ".server")
        }
        guard let url = URL(string: server), let scheme = url.scheme?.lowercased(),
              scheme == "https" || scheme == "http", url.host != nil
        else {
            throw .invalidServerURL(source: path, field: clusterField + ".server", value: server)
        }
        let insecure = cluster["insecure-skip-tls-verify"]?.bool ?? false
        let ca = try pemField(cluster, dataKey: "certificate-authority-data", fileKey: "certificate-authority",
                              prefix: clusterField, path: path, baseDir: baseDir)
        if let ca { try validateCertificates(ca.bytes, source: ca.source, field: ca.field) }

        for unsupported in ["exec", "auth-provider", "username", "password"] where user[unsupported].map({ !$0.isNull }) ?? false {
            throw .unsupportedAuth(path: path, field: userField + "." + unsupported)
        }
        var token: TokenCredential?
        if let literal = user["token"]?.string, !literal.isEmpty {
            token = .literal(literal)
        } else if let file = user["tokenFile"]?.string, !file.isEmpty {
            let resolved = resolve(file, baseDir: baseDir)
            _ = try readFile(resolved, field: userField + ".tokenFile", source: path)
            token = .file(path: resolved)
        }
        let cert = try pemField(user, dataKey: "client-certificate-data", fileKey: "client-certificate",
                                prefix: userField, path: path, baseDir: baseDir)
        let key = try pemField(user, dataKey: "client-key-data", fileKey: "client-key",
                               prefix: userField, path: path, baseDir: baseDir)
        var clientCertificate: ClientCertificate?
        switch (cert, key) {
        case (nil, nil):
            break
        case (let cert?, let key?):
            try validateCertificates(cert.bytes, source: cert.source, field: cert.field)
            do {
                _ = try NIOSSLPrivateKey(bytes: key.bytes, format: .pem)
            } catch {
                throw .invalidPEM(source: key.source, field: key.field, reason: "\(error)")
            }
            clientCertificate = ClientCertificate(certificatePEM: cert.bytes, keyPEM: key.bytes)
        case (let cert?, nil):
            throw .incompleteClientCertificate(path: path, field: cert.field)
        case (nil, let key?):
            throw .incompleteClientCertificate(path: path, field: key.field)
        }
        let namespace = context["namespace"]?.string.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        return KubeConfig(
            server: server.hasSuffix("/") ? String(server.dropLast()) : server,
            certificateAuthorityPEM: ca?.bytes, insecureSkipTLSVerify: insecure, token: token,
            clientCertificate: clientCertificate, namespace: namespace, source: path)
    }

    // MARK: helpers

    private static func namedEntry(
        _ doc: YAMLNode, list: String, item: String, name: String, path: String, field: String
    ) throws(KubeConfigError) -> YAMLNode {
        let entries = doc[list]?.array ?? []
        guard let entry = entries.first(where: { $0["name"]?.string == name }) else {
            throw .unknownReference(path: path, field: field, name: name)
        }
        guard let body = entry[item], body.pairs != nil else {
            throw .missingField(path: path, field: "\(list)[\(name)].\(item)")
        }
        return body
    }

    private struct PEMField {
        var bytes: [UInt8]
        var source: String
        var field: String
    }

    /// Inline `*-data` (base64) wins over a file path, as in kubectl.
    private static func pemField(
        _ map: YAMLNode, dataKey: String, fileKey: String, prefix: String, path: String, baseDir: String
    ) throws(KubeConfigError) -> PEMField? {
        if let data = map[dataKey]?.string, !data.isEmpty {
            let compact = data.filter { !$0.isWhitespace }
            guard let decoded = Data(base64Encoded: compact) else {
                throw .invalidBase64(path: path, field: prefix + "." + dataKey)
            }
            return PEMField(bytes: Array(decoded), source: path, field: prefix + "." + dataKey)
        }
        if let file = map[fileKey]?.string, !file.isEmpty {
            let resolved = resolve(file, baseDir: baseDir)
            let bytes = try readFile(resolved, field: prefix + "." + fileKey, source: path)
            return PEMField(bytes: bytes, source: resolved, field: prefix + "." + fileKey)
        }
        return nil
    }

    /// The directory part of `path` (`""` for a bare file name), as NSString's deletingLastPathComponent.
    static func directory(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "" }
        if slash == trimmed.startIndex { return "/" }
        var dir = trimmed[..<slash]
        while dir.count > 1, dir.hasSuffix("/") { dir = dir.dropLast() }
        return String(dir)
    }

    /// kubectl resolves relative paths against the kubeconfig's directory.
    private static func resolve(_ file: String, baseDir: String) -> String {
        if file.hasPrefix("/") || baseDir.isEmpty { return file }
        return baseDir + "/" + file
    }

    static func readFile(_ path: String, field: String, source: String) throws(KubeConfigError) -> [UInt8] {
        switch FileBytes.read(path) {
        case .success(let bytes): return bytes
        case .failure(let failure):
            throw .unreadableFile(path: path, field: field, source: source, reason: failure.description)
        }
    }

    private static func validateCertificates(_ bytes: [UInt8], source: String, field: String) throws(KubeConfigError) {
        let certs: [NIOSSLCertificate]
        do {
            certs = try NIOSSLCertificate.fromPEMBytes(bytes)
        } catch {
            throw .invalidPEM(source: source, field: field, reason: "\(error)")
        }
        if certs.isEmpty { throw .invalidPEM(source: source, field: field, reason: "no certificate found") }
    }
}
