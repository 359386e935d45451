import Actors
import ArgumentParser
import CaptureOptions
import Controller
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import KubeClient
import Logging

/// `podcap controller`: the DaemonSet's main process.
struct ControllerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "controller",
        abstract: "Watch this Node's Pods and capture the annotated ones (the DaemonSet's command)."
    )

    @Option(help: "This Node's name (default: $NODE_NAME, set by the DaemonSet from spec.nodeName).")
    var nodeName: String?

    @Option(help: "kubeconfig file (default: $KUBECONFIG, then the in-cluster service account).")
    var kubeconfig: String?

    @Option(help: "Directory for capture files.")
    var captureDir = "/capture"

    @Option(help: "Largest accepted annotation value (files per capture).")
    var maxFiles = 100

    @Option(help: "Captures running at once; the rest wait in FIFO order.")
    var maxConcurrent = 16

    @Option(help: "Size of each rotated file in MB (tcpdump -C).")
    var fileSizeMb = 1

    @Option(help: "Kernel capture buffer per tcpdump in MiB (tcpdump -B).")
    var bufferSizeMb = 16

    @Flag(help: "Run tcpdump with --immediate-mode: packets reach the files within milliseconds instead of up to 1 s, but a fixed frame per packet makes the kernel drop packets under load.")
    var immediateMode = false

    @Option(help: "Longest tcpdump.antrea.io/duration accepted, e.g. 30m, 24h.")
    var maxDuration = "24h"

    @Option(help: "Disk budget for all captures in MB; 0 disables it.")
    var maxDiskMb = 2048

    @Option(help: "File names: flat (capture-<pod>.pcap) or namespaced (capture-<ns>_<pod>.pcap).")
    var fileLayout: FileLayout = .flat

    @Option(help: "Seconds between SIGTERM and SIGKILL when a capture stops.")
    var gracePeriod: Double = 5

    @Option(help: "Address of the health and metrics endpoint, e.g. :9090 or 127.0.0.1:9090.")
    var listen = ":9090"

    @Option(help: "Log format: text or json.")
    var logFormat: LogFormat = .text

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "The host's /proc (the DaemonSet runs with hostPID).")
    var procRoot = "/proc"

    @Option(help: "nsenter binary.")
    var nsenter = "nsenter"

    @Option(help: "tcpdump binary.")
    var tcpdump = "tcpdump"

    @Flag(help: "Do not write the tcpdump.antrea.io/status annotation (then RBAC needs no pods: patch).")
    var noStatusAnnotation = false

    @Flag(help: "Do not record Kubernetes Events.")
    var noEvents = false

    func validate() throws {
        guard (1...100_000).contains(maxFiles) else { throw ValidationError("--max-files must be 1…100000, got \(maxFiles)") }
        guard maxConcurrent >= 1 else { throw ValidationError("--max-concurrent must be at least 1, got \(maxConcurrent)") }
        guard (1...100_000).contains(fileSizeMb) else { throw ValidationError("--file-size-mb must be 1…100000, got \(fileSizeMb)") }
        guard (1...1024).contains(bufferSizeMb) else { throw ValidationError("--buffer-size-mb must be 1…1024, got \(bufferSizeMb)") }
        guard maxDiskMb >= 0 else { throw ValidationError("--max-disk-mb must be 0 (no budget) or more, got \(maxDiskMb)") }
        guard gracePeriod >= 0, gracePeriod <= 3600 else { throw ValidationError("--grace-period must be 0…3600 seconds") }
        guard captureDir.hasPrefix("/") else { throw ValidationError("--capture-dir must be an absolute path, got \(captureDir)") }
        guard let duration = DurationValue.parse(maxDuration), duration >= .seconds(1) else {
            throw ValidationError("--max-duration must be whole hours, minutes and seconds such as 30m or 24h, got \(maxDuration)")
        }
    }

    func run() async throws {
        // Drop the code pages startup faulted in; only what the controller runs comes back.
        ExecutableResidency.trimCodePages()
        LoggingBootstrap.bootstrap(format: logFormat, level: logLevel)
        let logger = Logger(label: "podcap")
        let environment = ProcessInfo.processInfo.environment
        guard let node = nodeName ?? environment["NODE_NAME"], !node.isEmpty else {
            logger.critical("no node name: pass --node-name or set NODE_NAME (the DaemonSet sets it from spec.nodeName)")
            throw ExitCode(2)
        }
        let kube: KubeConfig
        do {
            kube = try KubeConfig.load(kubeconfigPath: kubeconfig, environment: environment)
        } catch {
            logger.critical("no usable Kubernetes configuration: \(error)")
            throw ExitCode(2)
        }
        let settings = CaptureSettings(directory: captureDir, fileSizeMB: fileSizeMb, maxFiles: maxFiles, layout: fileLayout,
                                       bufferSizeMiB: bufferSizeMb, immediateMode: immediateMode,
                                       optionLimits: OptionLimits(maxDuration: DurationValue.parse(maxDuration) ?? .seconds(86_400)))
        let configuration = ControllerConfiguration(
            nodeName: node, kube: kube, settings: settings, maxConcurrent: maxConcurrent,
            diskBudgetMB: maxDiskMb == 0 ? nil : maxDiskMb, grace: .milliseconds(Int(gracePeriod * 1000)),
            procRoot: procRoot, nsenterPath: nsenter, tcpdumpPath: tcpdump, listen: listen,
            statusAnnotation: !noStatusAnnotation, events: !noEvents)
        logger.info("podcap controller starting", metadata: [
            "node": "\(node)", "api": "\(kube.server)", "config": "\(kube.source)", "captureDir": "\(captureDir)",
            "maxConcurrent": "\(maxConcurrent)", "maxFiles": "\(maxFiles)", "listen": "\(listen)",
        ])
        do {
            // Once synced and the watch is open, drop the code pages of startup and the first
            // list once more, and again after each burst of capture starts and stops: what
            // comes back is what the controller runs from then on.
            let trimmer = CodePageTrimmer()
            try await PodcapController(configuration: configuration, reporters: [trimmer], logger: logger)
                .run(onSynced: { trimmer.schedule() })
        } catch {
            logger.critical("podcap controller stopped: \(error)")
            throw ExitCode.failure
        }
        logger.info("podcap controller stopped")
    }
}

extension FileLayout: ExpressibleByArgument {}
extension Logger.Level: @retroactive ExpressibleByArgument {}

/// `--log-format`.
enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}
