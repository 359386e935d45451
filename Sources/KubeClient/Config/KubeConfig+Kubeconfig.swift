#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import YAML

extension KubeConfig {
    /// Resolves the chosen context of merged kubeconfig files into a configuration.
    static func fromKubeconfig(_ set: KubeconfigSet, context override: String?) throws(KubeConfigError) -> KubeConfig {
        let contextName: String
        let contextSource: String
        let contextField: String
        if let override, !override.isEmpty {
            (contextName, contextSource, contextField) = (override, set.source, "--context")
        } else if let current = set.currentContext {
            (contextName, contextSource, contextField) = (current.name, current.file, "current-context")
        } else {
            throw .missingField(path: set.source, field: "current-context")
        }
        guard let context = set.contexts[contextName] else {
            throw .unknownContext(source: contextSource, field: contextField, name: contextName, available: set.contextNames)
        }
        let contextPrefix = "contexts[\(contextName)].context"
        guard let clusterName = context.body["cluster"]?.string, !clusterName.isEmpty else {
            throw .missingField(path: context.file, field: contextPrefix + ".cluster")
        }
        guard let cluster = set.clusters[clusterName] else {
            throw .unknownReference(path: context.file, field: contextPrefix + ".cluster", name: clusterName)
        }
        var config = try fromCluster(cluster, name: clusterName)
        if let userName = context.body["user"]?.string, !userName.isEmpty {
            guard let user = set.users[userName] else {
                throw .unknownReference(path: context.file, field: contextPrefix + ".user", name: userName)
            }
            try UserCredentials.parse(user, name: userName).apply(to: &config)
        }
        config.namespace = context.body["namespace"]?.string.flatMap { $0.isEmpty ? nil : $0 } ?? "default"
        config.contextName = contextName
        config.source = set.source
        return config
    }

    /// Server, trust and TLS name of one `clusters[]` entry.
    private static func fromCluster(_ entry: KubeconfigSet.Entry, name: String) throws(KubeConfigError) -> KubeConfig {
        let cluster = entry.body
        let path = entry.file
        let field = "clusters[\(name)].cluster"
        guard let server = cluster["server"]?.string, !server.isEmpty else {
            throw .missingField(path: path, field: field + ".server")
        }
        guard let url = URL(string: server), let scheme = url.scheme?.lowercased(),
              scheme == "https" || scheme == "http", url.host != nil
        else {
            throw .invalidServerURL(source: path, field: field + ".server", value: server)
        }
        if let proxy = cluster["proxy-url"]?.string, !proxy.isEmpty {
            throw .unsupportedField(path: path, field: field + ".proxy-url",
                                    reason: "podcap connects directly; remove proxy-url or reach the server without the proxy")
        }
        let ca = try pemField(cluster, dataKey: "certificate-authority-data", fileKey: "certificate-authority",
                              prefix: field, path: path, baseDir: entry.baseDir)
        if let ca { try validateCertificates(ca.bytes, source: ca.source, field: ca.field) }
        var config = KubeConfig(
            server: server.hasSuffix("/") ? String(server.dropLast()) : server,
            certificateAuthorityPEM: ca?.bytes, insecureSkipTLSVerify: cluster["insecure-skip-tls-verify"]?.bool ?? false,
            source: path)
        config.tlsServerName = cluster["tls-server-name"]?.string.flatMap { $0.isEmpty ? nil : $0 }
        return config
    }
}
