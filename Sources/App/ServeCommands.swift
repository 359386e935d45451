import ArgumentParser
import CaptureServing
import CaptureTransfer
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// Where `export` and `follow` ask the controller for a capture's files: the controller's own
/// `--listen`, which the DaemonSet also puts in the container's environment as PODCAP_LISTEN.
struct AgentOptions: ParsableArguments {
    @Option(help: "The controller's --listen address (default: $PODCAP_LISTEN, else :9090).")
    var agent: String?

    var endpoint: AgentEndpoint {
        AgentEndpoint(listen: agent ?? ProcessInfo.processInfo.environment["PODCAP_LISTEN"] ?? ":9090")
    }
}

/// Writes one line to standard error and exits with the error's status.
func exitServing(_ error: ServingError, command: String) -> Never {
    let line = Array("podcap \(command): \(error)\n".utf8)
    _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
    Glibc.exit(error.exitCode)
}

/// `podcap export NAMESPACE/POD`: the capture's files as one stream on standard output, for
/// `kubectl podcap fetch` (through `pods/exec`; the request carries a Pod, never a path).
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a capture's files to standard output (what kubectl podcap fetch reads)."
    )

    @Argument(help: "NAMESPACE/POD of a Pod this node's controller captures.")
    var pod: String

    @OptionGroup var agent: AgentOptions

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        do throws(ServingError) {
            let request = try CaptureRequestName(parsing: pod)
            let capture = try ServedCapture(request: request, listing: agent.endpoint.listing(for: request))
            try CaptureExporter(capture: capture).write(to: STDOUT_FILENO)
        } catch {
            exitServing(error, command: "export")
        }
    }
}

/// `podcap follow NAMESPACE/POD`: the live capture as one pcap stream on standard output,
/// across rotations, for `kubectl podcap stream`.
struct FollowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "follow",
        abstract: "Stream a running capture as one pcap stream on standard output (kubectl podcap stream)."
    )

    @Argument(help: "NAMESPACE/POD of a Pod this node's controller captures.")
    var pod: String

    @Flag(help: "Stop when standard input closes (kubectl exec -i closes it when the client goes away).")
    var untilStdinCloses = false

    @Flag(help: "Begin with the packets already in the file being written, not the next one captured.")
    var fromStart = false

    @OptionGroup var agent: AgentOptions

    func run() throws {
        signal(SIGPIPE, SIG_IGN)
        do throws(ServingError) {
            let request = try CaptureRequestName(parsing: pod)
            let endpoint = agent.endpoint
            let listing = try endpoint.listing(for: request)
            guard listing.state == "capturing" || listing.state == "failed" else {
                throw .captureEnded("the capture of \(pod) is \(listing.state); use kubectl podcap fetch for its files")
            }
            let capture = try ServedCapture(request: request, listing: listing)
            try CaptureFollower(capture: capture, endpoint: endpoint, output: STDOUT_FILENO,
                                hangup: untilStdinCloses ? STDIN_FILENO : nil, fromStart: fromStart).run()
        } catch {
            if error.exitCode == 0 { Glibc.exit(0) }
            exitServing(error, command: "follow")
        }
    }
}
