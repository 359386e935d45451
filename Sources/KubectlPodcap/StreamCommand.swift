import ArgumentParser
import Glibc

/// `kubectl podcap stream POD`: the live capture as one pcap stream on standard output, across
/// file rotations (`podcap follow` on the agent, through `pods/exec`):
/// `kubectl podcap stream web-0 | wireshark -k -i -` or `| tcpdump -nn -r -`.
struct StreamCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stream", abstract: "Stream a live capture as pcap to standard output.")

    @OptionGroup var cluster: ClusterOptions

    @Argument(help: "The Pod.")
    var pod: String

    @Flag(help: "Begin with the packets already in the file being written.")
    var fromStart = false

    func run() async throws {
        if isatty(STDOUT_FILENO) == 1 {
            throw ValidationError("standard output is a terminal: pipe it, e.g. | tcpdump -nn -r -   or   | wireshark -k -i -")
        }
        try await withCluster(cluster) { cluster in
            let kubectl = try Kubectl(options: cluster.options)
            let target = try await cluster.pod(namespace: cluster.namespace, name: pod)
            guard let node = target.nodeName else { throw PluginError.notScheduled(pod: target.displayName) }
            guard let status = target.captureStatus, status.state == "capturing" || status.state == "failed" else {
                throw PluginError.notCaptured(pod: target.displayName, state: target.captureStatus?.state)
            }
            let agent = try await cluster.agent(on: node)
            try await cluster.checkExec(namespace: agent.metadata.namespace)
            // Ctrl-C reaches kubectl too (one process group); this process outlives it to say how it ended.
            signal(SIGINT, SIG_IGN)
            signal(SIGPIPE, SIG_IGN)
            var command = ["follow", "\(target.metadata.namespace)/\(target.metadata.name)", "--until-stdin-closes"]
            if fromStart { command.append("--from-start") }
            let outcome = try kubectl.run(kubectl.execArgv(agent: agent, command), onOutput: nil)
            if outcome.signalled == SIGINT || outcome.status == 130 { return }
            if outcome.isForbidden {
                throw PluginError.execForbidden(user: nil, namespace: agent.metadata.namespace, detail: outcome.lastLine)
            }
            if outcome.status != 0 { throw PluginError.agent(pod: target.displayName, line: outcome.lastLine) }
            // The agent ends the stream itself when the capture stops; say why.
            if !outcome.stderr.isEmpty { Stderr.line("kubectl podcap: \(outcome.lastLine)") }
        }
    }
}
