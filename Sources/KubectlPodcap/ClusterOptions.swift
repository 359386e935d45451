import ArgumentParser

/// The flags every verb shares, spelled as kubectl spells them, so `kubectl podcap` selects the
/// same cluster, user and namespace as the kubectl that runs it.
struct ClusterOptions: ParsableArguments {
    @Option(help: "Path to the kubeconfig file (default: $KUBECONFIG, several files joined by ':', else ~/.kube/config).")
    var kubeconfig: String?

    @Option(help: "The kubeconfig context to use.")
    var context: String?

    @Option(name: [.customShort("n"), .long], help: "Namespace of the Pods (default: the context's).")
    var namespace: String?

    @Option(help: "Namespace of the podcap DaemonSet.")
    var agentNamespace = "kube-system"

    @Option(help: "Label selector of the podcap agent Pods.")
    var agentSelector = "app.kubernetes.io/name=podcap"

    @Option(help: "The kubectl that runs pods/exec for fetch and stream (default: kubectl on PATH).")
    var kubectl: String?

    @Option(help: "Seconds to wait for the agent to act on start and stop.")
    var wait = 30
}
