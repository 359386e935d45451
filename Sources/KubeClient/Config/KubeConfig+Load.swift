#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension KubeConfig {
    /// kubectl's lookup order: an explicit kubeconfig path, then the files of `KUBECONFIG`
    /// (merged), then the in-cluster service account, then `~/.kube/config` if it exists.
    ///
    /// - Parameters:
    ///   - kubeconfigPath: from `--kubeconfig`; wins over everything else, and must exist.
    ///   - context: from `--context`; overrides `current-context`. An unknown name is
    ///     ``KubeConfigError/unknownContext(source:field:name:available:)``.
    ///   - environment: the process environment (injectable for tests).
    ///   - inClusterRoot: the service-account directory (injectable for tests).
    public static func load(
        kubeconfigPath: String? = nil,
        context: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        inClusterRoot: String = "/var/run/secrets/kubernetes.io/serviceaccount"
    ) throws(KubeConfigError) -> KubeConfig {
        if let path = kubeconfigPath, !path.isEmpty {
            return try fromKubeconfig(KubeconfigSet.load(paths: [path], missing: .fail), context: context)
        }
        if let list = environment["KUBECONFIG"] {
            let paths = list.split(separator: ":").map(String.init)
            if !paths.isEmpty { return try fromKubeconfig(paths: paths, context: context) }
        }
        if environment["KUBERNETES_SERVICE_HOST"] != nil {
            if let context { throw .unknownContext(source: "in-cluster", field: "--context", name: context, available: []) }
            return try inCluster(environment: environment, root: inClusterRoot)
        }
        if let home = environment["HOME"] {
            let path = home + "/.kube/config"
            if FileManager.default.fileExists(atPath: path) {
                return try fromKubeconfig(KubeconfigSet.load(paths: [path], missing: .fail), context: context)
            }
        }
        throw .noConfiguration
    }

    /// Several kubeconfig files merged as kubectl merges `KUBECONFIG`: missing files are
    /// skipped, the first file to define a cluster, user or context name wins, and
    /// `current-context` comes from the first file that sets it.
    public static func fromKubeconfig(paths: [String], context: String? = nil) throws(KubeConfigError) -> KubeConfig {
        try fromKubeconfig(KubeconfigSet.load(paths: paths, missing: .skip), context: context)
    }

    /// Parses a kubeconfig file and resolves its `current-context` (or `context`).
    public static func fromKubeconfig(path: String, context: String? = nil) throws(KubeConfigError) -> KubeConfig {
        try fromKubeconfig(KubeconfigSet.load(paths: [path], missing: .fail), context: context)
    }

    /// Parses kubeconfig YAML; `path` is used for messages and to resolve relative file references.
    public static func fromKubeconfig(yaml: String, path: String, context: String? = nil) throws(KubeConfigError) -> KubeConfig {
        var set = KubeconfigSet()
        try set.add(yaml: yaml, path: path)
        return try fromKubeconfig(set, context: context)
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
}
