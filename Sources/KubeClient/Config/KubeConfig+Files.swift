#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import NIOSSL
import YAML

/// File and PEM helpers shared by the kubeconfig and in-cluster loaders.
extension KubeConfig {
    struct PEMField {
        var bytes: [UInt8]
        var source: String
        var field: String
    }

    /// Inline `*-data` (base64) wins over a file path, as in kubectl.
    static func pemField(
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

    /// kubectl resolves relative paths against the directory of the kubeconfig that names them.
    /// Leading `./` is dropped, as Go's `filepath.Join` cleans it.
    static func resolve(_ file: String, baseDir: String) -> String {
        if file.hasPrefix("/") || baseDir.isEmpty { return file }
        var relative = Substring(file)
        while relative.hasPrefix("./") { relative = relative.dropFirst(2).drop { $0 == "/" } }
        return baseDir == "/" ? "/" + relative : baseDir + "/" + relative
    }

    static func readFile(_ path: String, field: String, source: String) throws(KubeConfigError) -> [UInt8] {
        switch FileBytes.read(path) {
        case .success(let bytes): return bytes
        case .failure(let failure):
            throw .unreadableFile(path: path, field: field, source: source, reason: failure.description)
        }
    }

    static func validateCertificates(_ bytes: [UInt8], source: String, field: String) throws(KubeConfigError) {
        let certs: [NIOSSLCertificate]
        do {
            certs = try NIOSSLCertificate.fromPEMBytes(bytes)
        } catch {
            throw .invalidPEM(source: source, field: field, reason: "\(error)")
        }
        if certs.isEmpty { throw .invalidPEM(source: source, field: field, reason: "no certificate found") }
    }

    static func validateKey(_ bytes: [UInt8], source: String, field: String) throws(KubeConfigError) {
        do {
            _ = try NIOSSLPrivateKey(bytes: bytes, format: .pem)
        } catch {
            throw .invalidPEM(source: source, field: field, reason: "\(error)")
        }
    }
}
