import ArgumentParser
import CaptureOptions

/// `kubectl podcap stop`: removes the capture annotations and waits until the agent has
/// stopped tcpdump and deleted the files (it then removes the status).
struct StopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "stop", abstract: "Stop capturing Pods and delete their files.")

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var targets: TargetOptions

    @Flag(help: "Do not wait for the agent.")
    var noWait = false

    func run() async throws {
        var annotations: [String: String?] = ["tcpdump.antrea.io": nil]
        for option in OptionAnnotation.allCases { annotations[option.rawValue] = .some(nil) }
        try await withCluster(cluster) { cluster in
            let pods = try await cluster.pods(targets)
            for pod in pods { try await cluster.annotate(pod, annotations) }
            if noWait { return }
            let waiter = StatusWaiter(cluster: cluster, seconds: cluster.options.wait)
            var failed = false
            for pod in pods {
                do {
                    _ = try await waiter.wait(for: pod, what: "stop (status removed)") { status in
                        status == nil ? .done : nil
                    }
                    print("\(pod.displayName): stopped, files deleted")
                } catch let error as PluginError {
                    failed = true
                    Stderr.line("kubectl podcap: \(error)")
                }
            }
            if failed { throw ExitCode(1) }
        }
    }
}
