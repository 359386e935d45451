#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Supplies the bearer token, following rotation of a token file.
///
/// Projected service-account tokens are rewritten by the kubelet about hourly; a client that
/// keeps the first token breaks after its expiry. The file is stat'ed at most every
/// `recheckInterval` and re-read when its modification time or size changed, or after a 401.
final class TokenProvider: Sendable {
    private struct State {
        var token: String?
        var stamp: FileStamp?
        var lastCheck: ContinuousClock.Instant?
        var forceReload = false
    }

    let credential: KubeConfig.TokenCredential
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
                let stamp = FileStamp(path: path)
                if s.forceReload || s.token == nil || stamp != s.stamp {
                    s.forceReload = false
                    // Blocking file I/O under the lock is fine: the file is tiny and re-read rarely.
                    if case .success(let data) = FileBytes.read(path) {
                        let token = String(decoding: data, as: UTF8.self)
                            .trimmingWhitespace()
                        s.token = token.isEmpty ? nil : token
                        s.stamp = stamp
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

/// Modification time and size of a file (`stat(2)`); `nil` fields when it cannot be stat'ed.
struct FileStamp: Equatable {
    var seconds: Int
    var nanoseconds: Int
    var size: Int

    init?(path: String) {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        #if canImport(Darwin)
        seconds = Int(info.st_mtimespec.tv_sec)
        nanoseconds = Int(info.st_mtimespec.tv_nsec)
        #else
        seconds = Int(info.st_mtim.tv_sec)
        nanoseconds = Int(info.st_mtim.tv_nsec)
        #endif
        size = Int(info.st_size)
    }
}
