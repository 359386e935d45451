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

