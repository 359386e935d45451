import Actors
import KubeClient

/// Everything `podcap controller` is told by its flags and environment.
public struct ControllerConfiguration: Sendable {
    /// Only Pods scheduled to this Node are watched and captured.
    public var nodeName: String
    public var kube: KubeConfig
    public var settings: CaptureSettings
    public var maxConcurrent: Int
    /// `--max-disk-mb`; `nil` disables the budget.
    public var diskBudgetMB: Int?
    /// SIGTERM → SIGKILL grace when a capture stops.
    public var grace: Duration
    /// `/proc` of the host (the DaemonSet runs with hostPID).
    public var procRoot: String
    public var nsenterPath: String
    public var tcpdumpPath: String
    /// `--listen`: `:9090`, `HOST:PORT`; port 0 picks a free one.
    public var listen: String
    /// Write the `tcpdump.antrea.io/status` annotation (needs RBAC `pods: patch`).
    public var statusAnnotation: Bool
    /// Record Kubernetes Events (needs RBAC `events: create, patch`).
    public var events: Bool
    public var watch: PodListWatcher.Options
    public var backoff: RestartBackoff
    /// How often running captures ask tcpdump for its counters, for the status annotation.
    public var progressInterval: Duration? = .seconds(10)
    /// How often the capture files' sizes and the directory's free space are sampled.
    public var diskSampleInterval: Duration = .seconds(10)

    public init(nodeName: String, kube: KubeConfig, settings: CaptureSettings = CaptureSettings(), maxConcurrent: Int = 16,
                diskBudgetMB: Int? = 2048, grace: Duration = .seconds(5), procRoot: String = "/proc",
                nsenterPath: String = "nsenter", tcpdumpPath: String = "tcpdump", listen: String = ":9090",
                statusAnnotation: Bool = true, events: Bool = true, watch: PodListWatcher.Options = .init(),
                backoff: RestartBackoff = RestartBackoff()) {
        self.nodeName = nodeName
        self.kube = kube
        self.settings = settings
        self.maxConcurrent = maxConcurrent
        self.diskBudgetMB = diskBudgetMB
        self.grace = grace
        self.procRoot = procRoot
        self.nsenterPath = nsenterPath
        self.tcpdumpPath = tcpdumpPath
        self.listen = listen
        self.statusAnnotation = statusAnnotation
        self.events = events
        self.watch = watch
        self.backoff = backoff
    }
}
