import Actors
import ArgumentParser
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
import KubeSim
import Logging
import NodeRuntime
import Pcap
import PodSandbox

/// `podcap demo` (`make demo`): the whole product on this machine, for real.
///
/// Two network-namespace "Pods" (veth `eth0`, a process in a containerd-named cgroup), an
/// in-process API server holding them as Running Pods, and the real controller talking to it
/// over HTTP: annotate → real tcpdump in the Pod's namespace → traffic → files and their
/// libpcap summary → remove the annotation → files gone. Everything is torn down on exit.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Capture real traffic of two simulated Pods on this machine (needs root, tcpdump, iproute2)."
    )

    @Option(help: "Annotation value: how many rotated files to keep.")
    var files = 3

    @Option(help: "Write the run's artefacts (Pod listing, description, files, pcap, tcpdump -r) to this directory.")
    var deliverables: String?

    @Flag(help: "Show the controller's own log lines.")
    var verbose = false

    func run() async throws {
        if let reason = Self.unsupportedReason() {
            print("podcap demo: \(reason)")
            throw ExitCode.failure
        }
        // Without --verbose only the demo speaks; its own failures are printed and exit 1.
        let level: Logger.Level = verbose ? .info : .critical
        LoggingBootstrap.bootstrap(format: .text, level: level)
        let report = DemoReport(directory: deliverables)
        let demo = Demo(fileCount: files, report: report)
        do {
            try await demo.run()
        } catch {
            print("podcap demo failed: \(error)")
            throw ExitCode.failure
        }
    }

    /// Why the demo cannot run here, naming the package to install.
    static func unsupportedReason() -> String? {
        if geteuid() != 0 { return "must run as root (it creates network namespaces and cgroups)" }
        for (tool, package) in [("tcpdump", "tcpdump"), ("nsenter", "util-linux"), ("ip", "iproute2")]
        where (try? ExecutableLocator.locate(tool)) == nil {
            return "\(tool) not found: apt-get install \(package)"
        }
        return SandboxNetwork.unsupportedReason()
    }
}
