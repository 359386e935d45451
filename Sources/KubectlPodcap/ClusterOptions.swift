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

/// Pods by name or by label selector, as kubectl takes them.
struct TargetOptions: ParsableArguments {
    @Argument(help: "Pod names.")
    var pods: [String] = []

    @Option(name: [.customShort("l"), .long], help: "Label selector instead of names (e.g. app=web).")
    var selector: String?

    @Flag(name: [.customShort("A"), .customLong("all-namespaces")], help: "With -l: select in every namespace.")
    var allNamespaces = false

    func validate() throws {
        if allNamespaces && selector == nil { throw ValidationError("-A selects with -l; Pod names need one namespace (-n)") }
        if pods.isEmpty && selector == nil { throw ValidationError("name one or more Pods, or select them with -l") }
        if !pods.isEmpty && selector != nil { throw ValidationError("give Pod names or -l, not both") }
    }
}
