import Actors
import KubeClient
import Logging
import NodeRuntime

/// A `PodSource` wrapper that, on the first full list, deletes capture files no desired capture
/// owns: what a crashed or killed previous run left behind.
///
/// It runs before the Supervisor sees the list, so a capture that is still desired keeps its
/// files and simply starts again.
public struct StaleFileSweeper: PodSource {
    let upstream: any PodSource
    let directory: CaptureDirectory
    let settings: CaptureSettings
    let nodeName: String
    let logger: Logger

    public init(upstream: any PodSource, directory: CaptureDirectory, settings: CaptureSettings, nodeName: String,
                logger: Logger = Logger(label: "podcap.startup")) {
        self.upstream = upstream
        self.directory = directory
        self.settings = settings
        self.nodeName = nodeName
        self.logger = logger
    }

    public func run(emit: @Sendable (PodEvent) async throws -> Void) async throws {
        try await runWithFirstList(upstream, emit: emit) { pods in sweep(pods) }
    }

    /// The plans of every Pod on this node whose annotation is valid.
    func desiredPlans(_ pods: [Pod]) -> [CapturePlan] {
        pods.compactMap { pod in
            guard pod.spec.nodeName == nodeName, pod.metadata.deletionTimestamp == nil,
                  case .capture(let spec) = CaptureRequest.parse(annotations: pod.metadata.annotations, maxFiles: settings.maxFiles,
                                                                 limits: settings.optionLimits)
            else { return nil }
            return CapturePlan(pod: PodRef(pod), fileCount: spec.fileCount, settings: settings, options: spec.options)
        }
    }

    private func sweep(_ pods: [Pod]) {
        do {
            let removed = try directory.removeStaleFiles(desired: desiredPlans(pods))
            if removed.isEmpty {
                logger.info("no stale capture files in \(directory.path)")
            } else {
                logger.notice("removed \(removed.count) stale capture files left by a previous run",
                              metadata: ["files": "\(removed.joined(separator: ", "))"])
            }
        } catch {
            logger.error("cannot sweep stale capture files: \(error)")
        }
    }
}
