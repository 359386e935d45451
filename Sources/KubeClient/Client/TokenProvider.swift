import Foundation
import Synchronization

/// Supplies the bearer token, following rotation of a token file.
///
/// Projected service-account tokens are rewritten by the kubelet about hourly; a client that
/// keeps the first token breaks after its expiry. The file is stat'ed at most every
/// `recheckInterval` and re-read when its modification time or size changed, or after a 401.
final class TokenProvider: Sendable {
    private struct State {
        var token: String?
        var mtime: Date?
        var size: Int?
        var lastCheck: ContinuousClock.Instant?
        var forceReload = false
    }

    private let credential: KubeConfig.TokenCredential
    private let recheckInterval: Duration
    private let state = Mutex(State())

    init(credential: KubeConfig.TokenCredential, recheckInterval: Duration) {
        self.credential = credential
        self.recheckInterval = recheckInterval
    }

    /// The token to send now; `nil` if the file cannot be read (the server will answer 401).
    func current() -> String? {
        switch credential {
        case .literal(let token):
            return token
        case .file(let path):
            let now = ContinuousClock.now
            return state.withLock { s -> String? in
                if !s.forceReload, s.token != nil, let last = s.lastCheck, now - last < recheckInterval {
                    return s.token
                }
                s.lastCheck = now
                let attrs = try? FileManager.default.attributesOfItem(atPath: path)
                let mtime = attrs?[.modificationDate] as? Date
                let size = (attrs?[.size] as? NSNumber)?.intValue
                if s.forceReload || s.token == nil || mtime != s.mtime || size != s.size {
                    s.forceReload = false
                    // Blocking file I/O under the lock is fine: the file is tiny and re-read rarely.
                    if let data = FileManager.default.contents(atPath: path) {
                        let token = String(decoding: data, as: UTF8.self)
                            .trimmingCharacters(in: .whitespacesAndNewlines)
                        s.token = token.isEmpty ? nil : token
                        s.mtime = mtime
                        s.size = size
                    }
                }
                return s.token
            }
        }
    }

    /// Called after a 401: the next `current()` re-reads the file even if it looks unchanged
    /// (mtime granularity can hide a quick rewrite).
    func invalidate() {
        state.withLock { $0.forceReload = true }
    }
}
