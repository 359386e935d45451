import ArgumentParser
import CaptureServing
import CaptureTransfer
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

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
