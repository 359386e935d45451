import Glibc

/// A set of sandbox Pods joined by a bridge, living entirely in namespaces this type created.
///
/// Layout: one "node" namespace holds bridge `br0`; each Pod namespace has `eth0`, the peer of
/// a veth whose other end is a port of `br0`. Nothing is added to the host's own namespace, so
/// concurrent sandboxes (parallel tests) never see each other's traffic or names.
///
/// Prefer `withSandboxPods(count:)`, which always tears down. Code that must outlive a scope
/// (the demo) calls `create` and then `tearDown()` on every path.
public final class SandboxNetwork: Sendable {
    public let pods: [SandboxPod]
    /// The namespace holding the bridge.
    public let bridgeNamespace: String
    private let processes: [SandboxProcess]
    private let hierarchy: CgroupHierarchy
    private let cgroupComponents: [[String]]
    private let namespaces: [String]

    private init(pods: [SandboxPod], bridgeNamespace: String, processes: [SandboxProcess],
                 hierarchy: CgroupHierarchy, cgroupComponents: [[String]], namespaces: [String]) {
        self.pods = pods
        self.bridgeNamespace = bridgeNamespace
        self.processes = processes
        self.hierarchy = hierarchy
        self.cgroupComponents = cgroupComponents
        self.namespaces = namespaces
    }

    /// Whether this machine can host sandboxes, and if not, why (for test skips and the demo).
    public static func unsupportedReason(_ options: SandboxOptions = SandboxOptions()) -> String? {
        if geteuid() != 0 { return "network namespaces need root (run as root)" }
        for (tool, package) in [(options.ip, "iproute2"), (options.nsenter, "util-linux"), (options.sleep, "coreutils")]
        where Tools.locate(tool) == nil {
            return "\(tool) not found (install the \(package) package)"
        }
        if CgroupHierarchy.detect(options.cgroup) == nil { return "no writable cgroup hierarchy under /sys/fs/cgroup" }
        return nil
    }

    /// Creates `count` Pods. On failure everything created so far is removed before throwing.
    public static func create(count: Int, options: SandboxOptions = SandboxOptions()) async throws(SandboxError) -> SandboxNetwork {
        if let reason = unsupportedReason(options) { throw .unsupported(reason) }
        guard count >= 1, count <= 200, options.subnet.hasPrefix("10.") else {
            throw .unsupported("a sandbox has 1…200 Pods in a 10.x.y subnet")
        }
        let ip = Tools.locate(options.ip)!, nsenter = Tools.locate(options.nsenter)!, sleep = Tools.locate(options.sleep)!
        let hierarchy = CgroupHierarchy.detect(options.cgroup)!
        let tag = Tools.randomHex(8)
        let bridge = "\(options.namePrefix)-\(tag)-br"
        var builder = Builder(hierarchy: hierarchy)
        do {
            try await CommandRunner.run([ip, "netns", "add", bridge])
            builder.namespaces.append(bridge)
            try await CommandRunner.run([ip, "-n", bridge, "link", "add", "br0", "type", "bridge"])
            try await CommandRunner.run([ip, "-n", bridge, "link", "set", "br0", "up"])
            for index in 0..<count {
                let name = "\(options.namePrefix)-\(tag)-\(index)"
                try await CommandRunner.run([ip, "netns", "add", name])
                builder.namespaces.append(name)
                let port = "vp\(index)"
                let ipv4 = "\(options.subnet).\(index + 2)"
                let ipv6 = "fd00:\(tag.prefix(4)):\(tag.suffix(4))::\(String(index + 2, radix: 16))"
                try await CommandRunner.run([ip, "-n", bridge, "link", "add", port, "type", "veth", "peer", "name", "eth0", "netns", name])
                try await CommandRunner.run([ip, "-n", bridge, "link", "set", port, "master", "br0", "up"])
                try await CommandRunner.run([ip, "-n", name, "addr", "add", ipv4 + "/24", "dev", "eth0"])
                try await CommandRunner.run([ip, "-n", name, "addr", "add", ipv6 + "/64", "dev", "eth0", "nodad"])
                try await CommandRunner.run([ip, "-n", name, "link", "set", "eth0", "up"])
                try await CommandRunner.run([ip, "-n", name, "link", "set", "lo", "up"])

                let netnsPath = "/var/run/netns/" + name
                let process = try await SandboxProcess.spawn([nsenter, "--net=" + netnsPath, "--", sleep, "infinity"])
                builder.processes.append(process)
                let containerID = Tools.randomHex(64)
                let uid = Tools.randomUUID()
                let podSlice = "podcap-test-pod\(uid.replacingDashes()).slice"
                let components = [options.slice, podSlice, "cri-containerd-\(containerID).scope"]
                let cgroupPath = try hierarchy.create(components)
                builder.cgroups.append(components)
                try hierarchy.place(process.pid, in: cgroupPath)
                // nsenter joins the namespace after it was spawned; until then the process sits
                // in the host's. A real container is in its namespace before anyone can see it,
                // so the Pod is handed out only once this one is too.
                let netnsInode = try Tools.inode(netnsPath)
                try await Tools.waitUntilInNamespace(pid: process.pid, inode: netnsInode)
                builder.pods.append(SandboxPod(
                    index: index, name: name, netnsPath: netnsPath, netnsInode: netnsInode,
                    containerID: "containerd://" + containerID, pid: process.pid, cgroupPath: cgroupPath,
                    cgroupVersion: hierarchy.version, ipv4: ipv4, ipv6: ipv6, uid: uid))
            }
        } catch {
            await builder.tearDown()
            throw error
        }
        return SandboxNetwork(pods: builder.pods, bridgeNamespace: bridge, processes: builder.processes,
                              hierarchy: hierarchy, cgroupComponents: builder.cgroups, namespaces: builder.namespaces)
    }

    /// Kills the Pods' processes, removes their cgroups and deletes every namespace (which
    /// destroys the veths and the bridge). Idempotent; never throws: it removes what it can.
    public func tearDown() async {
        var builder = Builder(hierarchy: hierarchy)
        builder.processes = processes
        builder.cgroups = cgroupComponents
        builder.namespaces = namespaces
        await builder.tearDown()
    }
}

/// What has been created so far, in the order it must be undone.
private struct Builder {
    let hierarchy: CgroupHierarchy
    var pods: [SandboxPod] = []
    var processes: [SandboxProcess] = []
    var cgroups: [[String]] = []
    var namespaces: [String] = []

    init(hierarchy: CgroupHierarchy) { self.hierarchy = hierarchy }

    func tearDown() async {
        // Waits on unstructured supervisor tasks and uses only system calls, so a cancelled
        // caller still gets a complete teardown.
        for process in processes { await process.kill() }
        for components in cgroups { await hierarchy.remove(components) }
        for name in namespaces.reversed() { Tools.deleteNamespace(name) }
    }
}
