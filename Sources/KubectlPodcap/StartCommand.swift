import ArgumentParser
import CaptureOptions
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
import Glibc

/// `kubectl podcap start`: sets the capture annotations (one merge patch per Pod) and waits
/// until the agent says the capture runs, or prints its rejection.
struct StartCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "start", abstract: "Start capturing Pods.")

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var targets: TargetOptions

    @Option(help: "Rotated 1 MB files to keep (the tcpdump.antrea.io value).")
    var files = 5

    @Option(help: "A pcap filter expression (tcpdump.antrea.io/filter).")
    var filter: String?

    @Option(help: "Bytes kept of each packet (tcpdump.antrea.io/snaplen).")
    var snaplen: Int?

    @Option(help: "Interface in the Pod (tcpdump.antrea.io/interface; default eth0).")
    var interface: String?

    @Option(help: "Stop after this long, keeping the files (tcpdump.antrea.io/duration), e.g. 90s, 5m.")
    var duration: String?

    @Option(help: "Stop after this many packets, keeping the files (tcpdump.antrea.io/packets).")
    var packets: Int?

    @Option(help: "container-restart: stop when a container of the Pod ends, keeping the files.")
    var stopOn: String?

    @Flag(help: "Do not wait for the agent.")
    var noWait = false

    /// The annotations this start asks for: every option key is set or removed, so starting
    /// again with fewer options does not inherit the earlier ones.
    var annotations: [String: String?] {
        var out: [String: String?] = ["tcpdump.antrea.io": String(files)]
        let values: [OptionAnnotation: String?] = [
            .filter: filter, .snaplen: snaplen.map(String.init), .interface: interface, .duration: duration,
            .packets: packets.map(String.init), .stopOn: stopOn,
        ]
        for option in OptionAnnotation.allCases { out[option.rawValue] = values[option] ?? nil }
        return out
    }

    func run() async throws {
        // The agent checks every value again; checking here first answers a typo at once.
        let set = annotations.compactMapValues { $0 }
        let options: CaptureOptions
        switch OptionParser.parse(annotations: set, limits: OptionLimits(maxDuration: .seconds(365 * 86_400))) {
        case .success(let parsed): options = parsed
        case .failure(let rejection): throw ValidationError(rejection.description)
        }
        guard files >= 1 else { throw ValidationError("--files must be at least 1") }
        let expected = Dictionary(options.summary.map { (String($0.annotation.shortName), $0.value) }, uniquingKeysWith: { a, _ in a })
        try await withCluster(cluster) { cluster in
            let pods = try await cluster.pods(targets)
            let since = Date()
            for pod in pods { try await cluster.annotate(pod, annotations) }
            if noWait { return }
            let waiter = StatusWaiter(cluster: cluster, seconds: cluster.options.wait)
            var failures: [PluginError] = []
            for pod in pods {
                do {
                    let status = try await waiter.wait(for: pod, what: "Capturing status") { status in
                        guard let status else { return nil }
                        if status.state == "capturing", status.maxFiles == files, (status.options ?? [:]) == expected { return .done }
                        if status.state == "rejected" || status.state == "failed", status.isWritten(after: since) {
                            return .failed(status.message ?? status.reason ?? status.state)
                        }
                        return nil
                    }
                    print("\(pod.displayName): capturing on \(pod.nodeName ?? "?") (\(status.message ?? ""))")
                } catch let error as PluginError {
                    failures.append(error)
                    Stderr.line("kubectl podcap: \(error)")
                }
            }
            if !failures.isEmpty { throw ExitCode(1) }
        }
    }
}
