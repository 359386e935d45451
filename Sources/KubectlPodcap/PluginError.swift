/// Every way a `kubectl podcap` command fails, each as one line saying what to do.
enum PluginError: Error, CustomStringConvertible {
    case usage(String)
    case config(String)
    case api(String)
    case podNotFound(namespace: String, name: String)
    case noPodsMatch(selector: String, namespace: String)
    case notScheduled(pod: String)
    case noAgent(node: String, namespace: String, selector: String)
    case execForbidden(user: String?, namespace: String, detail: String)
    case kubectlMissing(String)
    case agent(pod: String, line: String)
    case rejected(pod: String, message: String)
    case timeout(pod: String, waitingFor: String, last: String?)
    case notCaptured(pod: String, state: String?)
    case corrupt(pod: String, detail: String)
    case io(String)

    var description: String {
        switch self {
        case .usage(let text): text
        case .config(let text): "kubeconfig: \(text)"
        case .api(let text): "API server: \(text)"
        case .podNotFound(let namespace, let name): "pod \(namespace)/\(name) not found"
        case .noPodsMatch(let selector, let namespace): "no pods match -l \(selector) in \(namespace)"
        case .notScheduled(let pod): "\(pod) is not scheduled to a node yet: nothing captures it"
        case .noAgent(let node, let namespace, let selector):
            "no podcap agent on node \(node) (no Running pod -l \(selector) in \(namespace)): deploy the DaemonSet there, or pass --agent-namespace/--agent-selector"
        case .execForbidden(let user, let namespace, let detail):
            "forbidden: \(user.map { "user \($0)" } ?? "you") cannot create pods/exec in \(namespace), which reading captures needs; ask for the podcap-reader Role in \(namespace) (deploy/podcap-reader.yaml)\(detail.isEmpty ? "" : " [\(detail)]")"
        case .kubectlMissing(let text): "\(text): kubectl podcap runs kubectl exec for fetch and stream; put kubectl on PATH or pass --kubectl"
        case .agent(let pod, let line): "\(pod): \(line)"
        case .rejected(let pod, let message): "\(pod): rejected: \(message)"
        case .timeout(let pod, let what, let last):
            "\(pod): no \(what) within the wait\(last.map { "; last status: \($0)" } ?? " (is the podcap agent running on its node?)")"
        case .notCaptured(let pod, let state):
            "\(pod) has no capture\(state.map { " (state \($0))" } ?? ""): start one with kubectl podcap start"
        case .corrupt(let pod, let detail): "\(pod): the capture arrived damaged: \(detail)"
        case .io(let text): text
        }
    }
}
