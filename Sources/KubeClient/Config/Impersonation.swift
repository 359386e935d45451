extension KubeConfig {
    /// Whom the requests act as (kubectl `--as`, kubeconfig `as`, `as-uid`, `as-groups`, `as-user-extra`).
    public struct Impersonation: Sendable, Equatable {
        public var user: String?
        public var uid: String?
        public var groups: [String]
        /// Extra fields of the impersonated user, each key with its values.
        public var extra: [String: [String]]

        public init(user: String? = nil, uid: String? = nil, groups: [String] = [], extra: [String: [String]] = [:]) {
            self.user = user
            self.uid = uid
            self.groups = groups
            self.extra = extra
        }

        var isEmpty: Bool { user == nil && uid == nil && groups.isEmpty && extra.isEmpty }

        /// The `Impersonate-*` headers, in a stable order; a header repeats for each group or extra value.
        public var headers: [(name: String, value: String)] {
            var out: [(name: String, value: String)] = []
            if let user { out.append(("Impersonate-User", user)) }
            if let uid { out.append(("Impersonate-Uid", uid)) }
            for group in groups { out.append(("Impersonate-Group", group)) }
            for key in extra.keys.sorted() {
                for value in extra[key] ?? [] { out.append(("Impersonate-Extra-" + Self.escapeHeaderKey(key), value)) }
            }
            return out
        }

        /// client-go's `headerKeyEscape`: header names allow only RFC 7230 token characters, so
        /// an extra key such as `example.org/scopes` is percent-encoded (the server decodes it).
        static func escapeHeaderKey(_ key: String) -> String {
            var out = ""
            for byte in key.utf8 {
                if tokenBytes.contains(byte) && byte != UInt8(ascii: "%") {
                    out.unicodeScalars.append(Unicode.Scalar(byte))
                } else {
                    out += "%" + String(byte, radix: 16, uppercase: true).paddedHex
                }
            }
            return out
        }

        private static let tokenBytes: Set<UInt8> = Set(Array(
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-.^_`|~".utf8))
    }
}

extension String {
    fileprivate var paddedHex: String { count >= 2 ? self : "0" + self }
}
