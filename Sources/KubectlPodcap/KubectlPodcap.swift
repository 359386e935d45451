import ArgumentParser

/// `kubectl podcap`: start, stop, list, download and live-stream podcap captures from a
/// workstation, through the API server only (the Pods' annotations, and `pods/exec` of the
/// podcap agent on each Pod's node).
@main
struct KubectlPodcap: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "kubectl podcap",
        abstract: "Packet captures of Kubernetes Pods, from your workstation.",
        discussion: """
            Captures run on each Pod's node, by the podcap agent (the DaemonSet), in the Pod's \
            network namespace. This plugin sets the Pods' tcpdump.antrea.io annotations, reads \
            the status the agent writes back, and reads files and live streams through \
            pods/exec of that agent.
            """,
        subcommands: [StartCommand.self, StopCommand.self, StatusCommand.self, FetchCommand.self, StreamCommand.self]
    )
}
