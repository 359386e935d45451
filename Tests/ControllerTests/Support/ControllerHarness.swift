import Actors
import Foundation
import Controller
import KubeClient
import Logging
import Synchronization

/// Runs the real controller in-process for the duration of `body`, then cancels it.
///
/// `logger` defaults to one at `PODCAP_TEST_LOG`'s level (errors only without it).
func withController<T: Sendable>(
    _ configuration: ControllerConfiguration, runtime: (any CaptureRuntime)? = nil, waiter: CaptureReportWaiter,
    endpoint: ListeningPort? = nil, logger: Logger? = nil, _ body: () async throws -> T
) async throws -> T {
    let logger = logger ?? {
        var logger = Logger(label: "podcap.test")
        logger.logLevel = ProcessInfo.processInfo.environment["PODCAP_TEST_LOG"].flatMap { Logger.Level(rawValue: $0) } ?? .error
        return logger
    }()
    let controller = PodcapController(configuration: configuration, runtime: runtime, reporters: [waiter], logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask {
            do {
                try await controller.run(signals: false, onListening: { port in endpoint?.set(port) })
            } catch {
                // A controller that failed before it listened must not leave the body waiting for a port.
                endpoint?.set(0)
                throw error
            }
        }
        do {
            let result = try await body()
            group.cancelAll()
            try? await group.waitForAll()
            return result
        } catch {
            // The report log is the best account of what the controller did before the failure.
            print("controller reports before the failure:\n" + waiter.reports.map { "  \($0.pod) \($0.change)" }.joined(separator: "\n"))
            group.cancelAll()
            try? await group.waitForAll()
            throw error
        }
    }
}

/// The port the controller's HTTP endpoint bound, awaitable.
final class ListeningPort: Sendable {
    private let state = Mutex<(port: Int?, waiters: [CheckedContinuation<Int, Never>])>((nil, []))

    func set(_ port: Int) {
        let waiters = state.withLock { s in
            s.port = port
            defer { s.waiters = [] }
            return s.waiters
        }
        for waiter in waiters { waiter.resume(returning: port) }
    }

    var value: Int {
        get async {
            await withCheckedContinuation { continuation in
                let now = state.withLock { s -> Int? in
                    if let port = s.port { return port }
                    s.waiters.append(continuation)
                    return nil
                }
                if let now { continuation.resume(returning: now) }
            }
        }
    }
}
