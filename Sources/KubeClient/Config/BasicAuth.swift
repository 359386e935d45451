#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension KubeConfig {
    /// kubeconfig `username`/`password`, sent as `Authorization: Basic` as client-go still does
    /// (servers since Kubernetes 1.19 no longer accept it, but proxies in front of them may).
    public struct BasicAuth: Sendable, Equatable {
        public var username: String
        public var password: String
        public init(username: String, password: String) {
            self.username = username
            self.password = password
        }

        /// The `Authorization` header value.
        var headerValue: String {
            "Basic " + Data("\(username):\(password)".utf8).base64EncodedString()
        }
    }
}
