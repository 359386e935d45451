/// One fake Pod: a network namespace with `eth0`, and a process in a containerd-named cgroup.
public struct SandboxPod: Sendable, Hashable {
    /// Position in the sandbox, 0-based.
    public var index: Int
    /// The network namespace's name (`ip netns`), unique per sandbox.
    public var name: String
    /// `/var/run/netns/<name>`.
    public var netnsPath: String
    /// Inode of the namespace: equal to that of `/proc/<pid>/ns/net` for every process in it.
    public var netnsInode: UInt64
    /// `containerd://<64 hex>`, as the kubelet would report the container.
    public var containerID: String
    /// The fake container's process (a `sleep`), inside the namespace and the cgroup.
    public var pid: Int32
    /// The cgroup directory holding `pid` (`…/cri-containerd-<id>.scope`).
    public var cgroupPath: String
    /// The cgroup version `cgroupPath` belongs to.
    public var cgroupVersion: Int
    /// `eth0`'s IPv4 address (/24).
    public var ipv4: String
    /// `eth0`'s IPv6 ULA address (/64).
    public var ipv6: String
    /// A Pod UID to go with the container ID (also in the cgroup slice name).
    public var uid: String

    /// The bare container ID (the part after `containerd://`).
    public var bareContainerID: String { String(containerID.dropFirst("containerd://".count)) }
}
