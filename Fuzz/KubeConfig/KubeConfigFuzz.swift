// libFuzzer harness for the kubeconfig loader: KubeConfig.fromKubeconfig(yaml:path:) over
// libyaml and our YAML tree. Compiled into one module with the loader's sources; NIOSSL is the
// stand-in of Fuzz/Stubs/NIOSSL.swift (PEM parsing is BoringSSL's, fuzzed upstream).
import YAML

/// Relative file references resolve under this directory, which does not exist, so the loader
/// reads nothing of the machine through them.
private let path = "/nonexistent-podcap-fuzz/kubeconfig"

@_cdecl("LLVMFuzzerTestOneInput")
public func kubeConfigFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    // As fromKubeconfig(path:) reads a file: any bytes, invalid UTF-8 replaced.
    let text = String(decoding: fuzzInput(data, size), as: UTF8.self)
    let tree = try? YAMLParser.parse(text)
    require(tree == (try? YAMLParser.parse(text)), "YAMLParser.parse is not deterministic")
    // An absolute file reference outside that directory (/dev/zero, a FIFO…) could block the run.
    if let tree, mentionsOtherAbsolutePath(tree) { return 0 }
    let first = load(text)
    require(first == load(text), "fromKubeconfig is not deterministic")
    switch first {
    case .success(let config): check(config)
    case .failure(let error):
        let message = error.description
        require(!message.isEmpty, "an empty error message")
        if case .unreadableFile = error {} else if case .invalidPEM = error {} else {
            require(message.hasPrefix(path), "the error does not name the kubeconfig first: \(message)")
        }
    }
    return 0
}

private func load(_ text: String) -> Result<KubeConfig, KubeConfigError> {
    do throws(KubeConfigError) {
        return .success(try KubeConfig.fromKubeconfig(yaml: text, path: path))
    } catch {
        return .failure(error)
    }
}

/// What a loaded configuration promises its users (KubernetesClient builds URLs and TLS
/// configurations from it without checking again).
private func check(_ config: KubeConfig) {
    let scheme = config.server.prefix { $0 != ":" }.lowercased()
    require(scheme == "https" || scheme == "http", "server \(config.server) is not http(s)")
    require(!config.server.hasSuffix("/"), "server \(config.server) ends with a slash")
    require(!config.namespace.isEmpty, "an empty namespace")
    require(config.source == path, "source \(config.source)")
    switch config.token {
    case .literal(let token): require(!token.isEmpty, "an empty literal token")
    case .file(let file): require(!file.isEmpty, "an empty token file path")
    case nil: break
    }
    if let ca = config.certificateAuthorityPEM { require(!ca.isEmpty, "an empty CA bundle") }
    if let client = config.clientCertificate {
        require(!client.certificatePEM.isEmpty && !client.keyPEM.isEmpty, "an empty client certificate or key")
    }
}

private func mentionsOtherAbsolutePath(_ node: YAMLNode) -> Bool {
    switch node {
    case .scalar(let scalar):
        let text = scalar.text.drop { $0.isWhitespace }
        return text.hasPrefix("/") && !text.hasPrefix("/nonexistent")
    case .sequence(let items): return items.contains(where: mentionsOtherAbsolutePath)
    case .mapping(let pairs): return pairs.contains { mentionsOtherAbsolutePath($0.key) || mentionsOtherAbsolutePath($0.value) }
    }
}
