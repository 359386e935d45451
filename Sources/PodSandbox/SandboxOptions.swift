/// How sandbox Pods are built.
public struct SandboxOptions: Sendable, Hashable {
    /// The first three octets of the Pods' /24, e.g. `"10.250.0"`: Pod `i` gets `.(i + 2)`.
    /// Every sandbox has its own isolated bridge namespace, so concurrent sandboxes may reuse
    /// one subnet; it must be inside 10.0.0.0/8 all the same, to stay clear of real networks.
    public var subnet: String
    /// Which cgroup hierarchy receives the fake container processes.
    public var cgroup: CgroupMode
    /// Top-level cgroup directory, named like a systemd slice.
    public var slice: String
    /// Prefix of the namespace names (`<prefix>-<random>-<index>`).
    public var namePrefix: String
    /// `nsenter` and `ip` binaries, looked up on `PATH` when not absolute.
    public var nsenter: String
    public var ip: String
    public var sleep: String

    public init(subnet: String = "10.250.0", cgroup: CgroupMode = .automatic, slice: String = "podcap-test.slice",
                namePrefix: String = "pcsb", nsenter: String = "nsenter", ip: String = "ip", sleep: String = "sleep") {
        self.subnet = subnet
        self.cgroup = cgroup
        self.slice = slice
        self.namePrefix = namePrefix
        self.nsenter = nsenter
        self.ip = ip
        self.sleep = sleep
    }
}

/// Which cgroup version sandbox processes are placed in.
public enum CgroupMode: Sendable, Hashable {
    /// cgroup v2 when mounted (alone or as the hybrid `unified` hierarchy), else v1.
    case automatic
    /// cgroup v2 only.
    case v2
    /// A cgroup v1 hierarchy only (`pids`, `systemd` or `memory`).
    case v1
}
