import Actors
import Foundation
import Controller
import KubeClient
import Logging

/// Runs the real controller in-process for the duration of `body`, then cancels it.
func withController<T: Sendable>(
    _ configuration: ControllerConfiguration, runtime: (any CaptureRuntime)? = nil, waiter: CaptureReportWaiter,
    _ body: () async throws -> T
) async throws -> T {
    var logger = Logger(label: "podcap.test")
    logger.logLevel = ProcessInfo.processInfo.environment["PODCAP_TEST_LOG"].flatMap { Logger.Level(rawValue: $0) } ?? .error
    let controller = PodcapController(configuration: configuration, runtime: runtime, reporters: [waiter], logger: logger)
    return try await withThrowingTaskGroup(of: Void.self) { group in
        group.addTask { try await controller.run(signals: false) }
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
