/// `NAMESPACE/POD` as given to `podcap export` and `podcap follow`, checked against the
/// Kubernetes name rules before anything is looked up, so no text of a request ever reaches a
/// path: `../../etc/passwd` or `ns/a/b` is refused here.
public struct CaptureRequestName: Sendable, Hashable {
    public var namespace: String
    public var name: String

    public init(parsing text: String) throws(ServingError) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, Self.isLabel(parts[0]), Self.isSubdomain(parts[1]) else {
            throw .invalidPodName(text)
        }
        namespace = String(parts[0])
        name = String(parts[1])
    }

    static func isLabel(_ text: Substring) -> Bool {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count <= 63, bytes.first != UInt8(ascii: "-"), bytes.last != UInt8(ascii: "-") else {
            return false
        }
        return bytes.allSatisfy { isLowerAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }

    static func isSubdomain(_ text: Substring) -> Bool {
        guard !text.isEmpty, text.utf8.count <= 253 else { return false }
        return text.split(separator: ".", omittingEmptySubsequences: false).allSatisfy(isLabel)
    }

    private static func isLowerAlphanumeric(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9"))
    }
}
