import ArgumentParser
import CaptureServing
import CaptureTransfer
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

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

