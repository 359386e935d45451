import Actors
import KubeClient
import Logging
import NodeRuntime
import ServiceLifecycle
import UnixSignals

/// `podcap controller`: one Node's watch, Supervisor, reporters and HTTP endpoint as one
/// `ServiceGroup`.
///
/// The data path a reader follows: `PodListWatcher` (list+watch, KubeClient) →
/// `StaleFileSweeper` (first list only) → `PodWatcher` (bounded buffer) → `Supervisor`
/// (decisions) → `CaptureActor` → `TcpdumpRuntime` (nsenter + tcpdump).
public struct PodcapController: Sendable {
    public let configuration: ControllerConfiguration
    private let runtimeOverride: (any CaptureRuntime)?
    private let extraReporters: [any CaptureReporter]
    private let logger: Logger

    /// - Parameters:
    ///   - runtime: replaces `TcpdumpRuntime` (tests with fake processes); `nil` in production.
    ///   - reporters: extra subscribers to every capture report (tests).
    public init(configuration: ControllerConfiguration, runtime: (any CaptureRuntime)? = nil,
                reporters: [any CaptureReporter] = [], logger: Logger = Logger(label: "podcap")) {
        self.configuration = configuration
        self.runtimeOverride = runtime
        self.extraReporters = reporters
        self.logger = logger
    }

    /// Runs until SIGTERM/SIGINT (when `signals` is true) or cancellation.
    ///
    /// Startup problems (capture directory, missing binaries, unusable credentials) throw
    /// before anything runs, with a message naming what to fix. `onSynced` is called once, inline,
    /// when the first list of this Node's Pods reached the Supervisor (when `/readyz` turns 200).
    public func run(signals: Bool = true, onListening: (@Sendable (Int) async -> Void)? = nil,
                    onSynced: (@Sendable () -> Void)? = nil) async throws {
        let config = configuration
        let directory = CaptureDirectory(path: config.settings.directory)
        if let runtimeOverride {
            return try await run(runtime: runtimeOverride, directory: directory, signals: signals, onListening: onListening,
                                 onSynced: onSynced)
        }
        CaptureDirectory.restrictUmask()
        try directory.prepare()
        // Before the orphan reaper and the stale-file sweep: with two controllers on one
        // directory, each would stop the other's tcpdumps and delete its files. A predecessor
        // still shutting down (a rollout) gets its grace period to let go.
        try await CaptureDirectoryLock.with(directory: directory.path, wait: config.grace + .seconds(5)) {
            let tcpdump = TcpdumpRuntime(.init(procRoot: config.procRoot, nsenter: config.nsenterPath, tcpdump: config.tcpdumpPath))
            _ = try tcpdump.checkBinaries()
            let orphans = await OrphanCaptureReaper(procRoot: config.procRoot, directory: directory.path).stopOrphans()
            if !orphans.isEmpty {
                logger.notice("stopped \(orphans.count) tcpdump processes left running by a previous podcap",
                              metadata: ["pids": "\(orphans)"])
            }
            try await run(runtime: tcpdump, directory: directory, signals: signals, onListening: onListening, onSynced: onSynced)
        }
    }

    private func run(runtime: any CaptureRuntime, directory: CaptureDirectory, signals: Bool,
                     onListening: (@Sendable (Int) async -> Void)?, onSynced: (@Sendable () -> Void)?) async throws {
        let config = configuration
        let client = try KubernetesClient(config: config.kube, logger: logger)
        do {
            try await runServices(client: client, runtime: runtime, directory: directory, signals: signals, onListening: onListening,
                                  onSynced: onSynced)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    private func runServices(client: KubernetesClient, runtime: any CaptureRuntime, directory: CaptureDirectory,
                             signals: Bool, onListening: (@Sendable (Int) async -> Void)?,
                             onSynced: (@Sendable () -> Void)?) async throws {
        let config = configuration
        let metrics = MetricsReporter()
        let listen = try ListenAddress(parsing: config.listen)
        let watchStatus = PodWatchStatus(observer: SyncedObserver(WatchMetricsObserver(metrics: metrics), onSynced: onSynced))
        let listWatch = PodListWatcher(client: client, nodeName: config.nodeName, options: config.watch, status: watchStatus,
                                       logger: logger)
        let logReporter = LogReporter(logger: logger)
        let disk = DiskUsageSampler(metrics: metrics, interval: config.diskSampleInterval, directory: directory.path, logger: logger)
        let captures = CaptureIndex()
        var reporters: [any CaptureReporter] = [logReporter, metrics, disk, captures] + extraReporters
        // Graceful shutdown runs in reverse order: the Supervisor first (SIGTERM each capture,
        // keep files, report), then the watch, the HTTP endpoint, and last the reporters. Each
        // reporter, told to shut down once every producer has returned, finishes its own buffer
        // and drains it (KubeReporter within the grace period); the HTTP client is shut down
        // only after the whole group returned.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: logReporter), .init(service: disk)]
        var kube: KubeReporter?
        if config.events || config.statusAnnotation {
            let recorder = EventRecorder(client: client, options: .init(reportingInstance: "podcap-\(config.nodeName)"),
                                         logger: logger)
            let reporter = KubeReporter(client: client, recorder: recorder, patchStatus: config.statusAnnotation,
                                        emitEvents: config.events, drainTimeout: config.grace, logger: logger)
            kube = reporter
            reporters.append(reporter)
            services.append(.init(service: reporter))
            if config.statusAnnotation {
                // After the reporter in the list: it stops first, so its last request is written.
                let refresher = StatusRefresher(refresh: { reporter.refreshStatus($0) })
                reporters.append(refresher)
                services.append(.init(service: refresher))
            }
        }

        var source: any PodSource = listWatch
        if runtimeOverride == nil {
            source = StaleFileSweeper(upstream: source, directory: directory, settings: config.settings,
                                      nodeName: config.nodeName, logger: logger)
        }
        if let kube, config.statusAnnotation {
            source = StaleStatusSweeper(upstream: source, nodeName: config.nodeName,
                                        logger: logger, clear: { kube.clearStatus(of: $0) })
        }
        let watcher = PodWatcher(source: AnnotationClock(upstream: source, metrics: metrics))
        let http = HTTPServerService(listen: listen, metrics: metrics, captures: captures, isReady: { watchStatus.isSynced }, logger: logger,
                                     onListening: { port in
                                         logger.info("health and metrics endpoint listening", metadata: ["port": "\(port)"])
                                         await onListening?(port)
                                     })
        services.append(.init(service: http))
        let supervisor = Supervisor(
            configuration: .init(maxConcurrent: config.maxConcurrent, nodeName: config.nodeName, settings: config.settings,
                                 diskBudgetMB: config.diskBudgetMB, grace: config.grace, backoff: config.backoff,
                                 progressInterval: config.progressInterval),
            events: watcher, runtime: runtime, reporter: CompositeReporter(reporters), logger: logger)
        services.append(.init(service: watcher))
        services.append(.init(service: supervisor))
        var groupConfig = ServiceGroupConfiguration(services: services, logger: logger)
        if signals { groupConfig.gracefulShutdownSignals = [.sigterm, .sigint] }
        try await ServiceGroup(configuration: groupConfig).run()
    }
}
