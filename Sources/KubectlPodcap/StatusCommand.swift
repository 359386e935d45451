import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// `kubectl podcap status`: the captures of the named Pods, or of every annotated Pod in the
/// namespace (`-A`: all namespaces), from the status annotations the agents write.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "status", abstract: "List captures and their state.")

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "Pod names (default: every Pod with a capture).")
    var pods: [String] = []

    @Option(name: [.customShort("l"), .long], help: "Label selector.")
    var selector: String?

    @Flag(name: [.customShort("A"), .customLong("all-namespaces")], help: "Every namespace.")
    var allNamespaces = false

    @Option(name: [.customShort("o"), .long], help: "Output: table (default), json or yaml.")
    var output: String = "table"

    func validate() throws {
        guard ["table", "json", "yaml", "wide"].contains(output) else { throw ValidationError("-o must be table, json or yaml") }
    }

    func run() async throws {
        let rows = try await withCluster(cluster) { cluster -> [StatusRow] in
            let items: [PodItem]
            if pods.isEmpty {
                items = try await cluster.list(namespace: allNamespaces ? nil : cluster.namespace, labelSelector: selector)
                    .filter { $0.annotations["tcpdump.antrea.io"] != nil || $0.captureStatus != nil }
            } else {
                var found: [PodItem] = []
                for name in pods { found.append(try await cluster.pod(namespace: cluster.namespace, name: name)) }
                items = found
            }
            return items.map(StatusRow.init)
        }
        switch output {
        case "json": print(try StatusRow.json(rows))
        case "yaml": print(StatusRow.yaml(rows), terminator: "")
        default: print(StatusRow.table(rows, namespaces: allNamespaces, now: Date()), terminator: "")
        }
    }
}
