import Actors
import CaptureOptions
import Glibc
import Pcap

/// The production `CaptureRuntime`: finds a Pod's process through `/proc`, runs tcpdump in its
/// network namespace with `nsenter`, and deletes exactly a plan's files.
///
/// ```swift
/// let runtime = TcpdumpRuntime(.init(procRoot: "/host/proc", tcpdump: "/usr/bin/tcpdump"))
/// try runtime.checkBinaries()          // fail fast at start-up with a clear message
/// let process = try await runtime.start(plan, target: target)
/// ```
public struct TcpdumpRuntime: CaptureRuntime {
    /// Where to find things on the node.
    public struct Configuration: Sendable, Hashable {
        /// Host `/proc` (`--proc-root`).
        public var procRoot: String
        /// `nsenter` binary: a path, or a name looked up on `PATH`.
        public var nsenter: String
        /// `tcpdump` binary: a path, or a name looked up on `PATH`.
        public var tcpdump: String

        public init(procRoot: String = "/proc", nsenter: String = "nsenter", tcpdump: String = "tcpdump") {
            self.procRoot = procRoot
            self.nsenter = nsenter
            self.tcpdump = tcpdump
        }
    }

    public let configuration: Configuration
    /// The resolver `start` uses; exposed for diagnostics.
    public let resolver: ContainerPIDResolver

    public init(_ configuration: Configuration = Configuration()) {
        self.configuration = configuration
        self.resolver = ContainerPIDResolver(procRoot: configuration.procRoot)
    }

    /// Absolute paths of `nsenter` and `tcpdump`; throws naming the missing one and its package.
    public func checkBinaries() throws(ExecutableNotFound) -> (nsenter: String, tcpdump: String) {
        (try ExecutableLocator.locate(configuration.nsenter), try ExecutableLocator.locate(configuration.tcpdump))
    }

    public func start(_ plan: CapturePlan, target: CaptureTarget) async throws(CaptureStartError) -> any CaptureProcess {
        let command = try prepare(plan, target: target)
        // Watch before spawning, so a container that dies while tcpdump starts is not missed.
        let watch = plan.options.stopOn == .containerRestart ? ContainerExitWatch(resolver.mainProcesses(of: target)) : nil
        do {
            return try await spawn(argv: command.argv, container: command.container, files: command.files,
                                   readyMarker: "listening on ", containerWatch: watch)
        } catch {
            watch?.cancel()
            throw error
        }
    }

    /// What `start` spawns, and everything it does before the spawn: locate the binaries,
    /// resolve the Pod's PID, keep the previous run's files. Exposed so `podcap-bench` can time
    /// the controller's own path up to the spawn call without starting a tcpdump.
    public func prepare(_ plan: CapturePlan, target: CaptureTarget) throws(CaptureStartError) -> SpawnCommand {
        let binaries: (nsenter: String, tcpdump: String)
        do {
            binaries = try checkBinaries()
        } catch {
            throw .failed(error.description)
        }
        let resolved: ResolvedContainer
        do {
            resolved = try resolver.resolve(target)
        } catch {
            switch error {
            case .procUnreadable: throw .failed(error.description)
            case .noContainers, .invalidContainerIDs, .notFound: throw .notReady(error.description)
            }
        }
        // An interface the user named must exist; `/proc/<pid>/net/dev` lists the namespace's.
        if let interface = plan.options.interface, interface != "any",
           let available = NetworkInterfaces.names(procRoot: configuration.procRoot, pid: resolved.pid),
           !available.contains(interface) {
            throw .rejected(.interfaceNotFound(interface, available: available))
        }
        // Only now, with a process to enter: a Pod that is not ready yet must not churn files.
        let layout: CaptureSegments.Layout
        do {
            layout = try CaptureSegments.prepare(plan)
        } catch {
            throw .failed("cannot keep the files of the previous run: \(error)")
        }
        let packets = try Self.packetsLeft(plan, kept: layout.kept)
        let argv = plan.argv(pid: resolved.pid, nsenter: binaries.nsenter, tcpdump: binaries.tcpdump, ringSize: layout.ringSize,
                             packets: packets)
        return SpawnCommand(argv: argv, container: resolved.container, files: layout.files(of: plan))
    }

    /// `-c` for the next run: the packet option minus the packets the kept files of earlier
    /// runs already hold, so a restarted capture still stops at the number asked for.
    static func packetsLeft(_ plan: CapturePlan, kept: [String]) throws(CaptureStartError) -> Int? {
        guard let wanted = plan.options.packets else { return nil }
        let have = kept.reduce(0) { $0 + ((try? PcapReader.summarize(path: $1))?.packets ?? 0) }
        guard have < wanted else { throw .completed(.packetCount(wanted)) }
        return wanted - have
    }

    /// Spawns `argv` (no shell) and supervises it as a capture process.
    ///
    /// Exposed so tests and the demo can run a variant command under the same supervision.
    ///
    /// - Parameters:
    ///   - readyMarker: when given, return only once the child wrote it to stderr (tcpdump's
    ///     `listening on …`), so "started" means capturing; if the child exits first, its
    ///     error is thrown. After `readyTimeout` the process is returned anyway.
    ///   - containerWatch: for `stop-on`, the Pod's container processes; cancelled once the
    ///     child has exited.
    public func spawn(argv: [String], container: CaptureTarget.Container, files: [String] = [], readyMarker: String? = nil,
                      readyTimeout: Duration = .seconds(10)) async throws(CaptureStartError) -> TcpdumpProcess {
        try await spawn(argv: argv, container: container, files: files, readyMarker: readyMarker, readyTimeout: readyTimeout,
                        containerWatch: nil)
    }

    func spawn(argv: [String], container: CaptureTarget.Container, files: [String], readyMarker: String?,
               readyTimeout: Duration = .seconds(10), containerWatch: ContainerExitWatch?) async throws(CaptureStartError) -> TcpdumpProcess {
        guard let executable = argv.first else { throw .failed("empty command") }
        let (stream, commands) = AsyncStream.makeStream(of: ChildCommand.self)
        let spawned = OneShot<Result<Int32, CaptureStartError>>()
        let exit = OneShot<CaptureExit>()
        let arguments = Array(argv.dropFirst())
        let ready = readyMarker.map(ReadyMarker.init)
        let statistics = LiveStatistics()
        // Unstructured on purpose: the child outlives `start`, and its reaping must not be
        // cancelled along with whichever task happened to start or stop it.
        Task {
            let outcome = await ChildSupervisor.run(executable: executable, arguments: arguments,
                                                    commands: stream, spawned: spawned, ready: ready, statistics: statistics)
            commands.finish()
            containerWatch?.cancel()
            exit.fulfill(TcpdumpOutputParser.exit(status: outcome.status, stderr: outcome.standardError))
        }
        switch await spawned.value {
        case .success(let pid):
            let process = TcpdumpProcess(pid: pid, container: container, files: files, commands: commands, exit: exit,
                                         containerWatch: containerWatch, statistics: statistics,
                                         blockTimeout: arguments.contains("--immediate-mode") ? nil : TcpdumpProcess.blockDeliveryWait)
            guard let ready else { return process }
            switch await Self.readiness(ready, exit: exit, timeout: readyTimeout) {
            case .ready, .timedOut:
                return process
            case .exited(let how):
                throw .failed(how.description)
            case .cancelled:
                _ = await process.kill()
                throw .failed("cancelled while tcpdump was starting")
            }
        case .failure(let error):
            _ = await exit.value
            throw error
        }
    }

    private enum Readiness: Sendable {
        case ready
        case exited(CaptureExit)
        case timedOut
        case cancelled
    }

    /// Whichever comes first: the ready line, the child's exit, or the timeout.
    private static func readiness(_ ready: ReadyMarker, exit: OneShot<CaptureExit>, timeout: Duration) async -> Readiness {
        await withTaskGroup(of: Readiness?.self) { group in
            group.addTask { await ready.wait().map { .ready } }
            group.addTask { await exit.valueUnlessCancelled().map { .exited($0) } }
            group.addTask { (try? await Task.sleep(for: timeout)).map { .timedOut } }
            defer { group.cancelAll() }
            while let next = await group.next() {
                if let next { return next }
            }
            return .cancelled
        }
    }

    public func removeFiles(of plan: CapturePlan) async -> [String] {
        // An unreadable directory still gets the exact names of a first run unlinked.
        (try? CaptureDirectory(path: plan.settings.directory).removeOwnedFiles(of: plan)) ?? CaptureFiles.remove(plan.filePaths)
    }
}
