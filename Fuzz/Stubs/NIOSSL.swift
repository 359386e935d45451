// Stand-in for swift-nio-ssl's PEM parsing, which the kubeconfig loader calls to validate
// certificates and keys. The real parser is BoringSSL's (fuzzed upstream, by OSS-Fuzz) and
// building it instrumented would cost minutes per CI run; what the kubeconfig harness fuzzes is
// libyaml, our YAML tree and KubeConfig's own resolution logic. The stand-in accepts a PEM
// block the way the loader relies on: BEGIN/END lines in pairs, at least one certificate.

public enum NIOSSLSerializationFormats: Sendable {
    case pem
    case der
}

public struct NIOSSLStubError: Error, CustomStringConvertible {
    public var description: String
}

private func pemBlocks(_ bytes: [UInt8], label: (Substring) -> Bool) throws(NIOSSLStubError) -> Int {
    let text = String(decoding: bytes, as: UTF8.self)
    var open: Substring?
    var count = 0
    for line in text.split(whereSeparator: \.isNewline) {
        if line.hasPrefix("-----BEGIN "), line.hasSuffix("-----") {
            guard open == nil else { throw NIOSSLStubError(description: "BEGIN inside a PEM block") }
            open = line.dropFirst(11).dropLast(5)
        } else if line.hasPrefix("-----END "), line.hasSuffix("-----") {
            guard let name = open, name == line.dropFirst(9).dropLast(5) else {
                throw NIOSSLStubError(description: "END without its BEGIN")
            }
            if label(name) { count += 1 }
            open = nil
        }
    }
    guard open == nil else { throw NIOSSLStubError(description: "unterminated PEM block") }
    return count
}

public struct NIOSSLCertificate: Sendable {
    public static func fromPEMBytes(_ bytes: [UInt8]) throws -> [NIOSSLCertificate] {
        let count = try pemBlocks(bytes) { $0 == "CERTIFICATE" }
        return Array(repeating: NIOSSLCertificate(), count: count)
    }
}

public struct NIOSSLPrivateKey: Sendable {
    public init(bytes: [UInt8], format: NIOSSLSerializationFormats) throws {
        guard try pemBlocks(bytes, label: { $0.hasSuffix("PRIVATE KEY") }) > 0 else {
            throw NIOSSLStubError(description: "no private key")
        }
    }
}
