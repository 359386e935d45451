import Dispatch

/// Runs blocking I/O on a Dispatch thread: a test that blocked a thread of Swift's cooperative
/// pool (two on this machine) would stall the other suites' tasks, servers included.
public func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}
