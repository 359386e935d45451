import Synchronization

/// The port the server bound, written once from `onServerRunning` and read from anywhere.
final class BoundPort: Sendable {
    private let port = Mutex<Int?>(nil)
    func set(_ value: Int) { port.withLock { $0 = value } }
    func get() -> Int? { port.withLock { $0 } }
}
