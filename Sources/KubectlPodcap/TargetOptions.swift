import ArgumentParser

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
