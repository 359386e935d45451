import Actors
import NodeRuntime
import Testing

@Suite("PID resolution against fixture /proc trees")
struct PIDResolverFixtureTests {
    static let idA = String(repeating: "a1", count: 32)
    static let idB = String(repeating: "b2", count: 32)
    static let uid = "0f1e2d3c_4b5a_6978_8796_a5b4c3d2e1f0"

    static func target(_ ids: [String]) -> CaptureTarget {
        CaptureTarget(pod: PodRef(namespace: "default", name: "web", uid: "u1"),
                      containers: ids.enumerated().map { .init(name: "c\($0.offset)", containerID: $0.element) })
    }

    /// (description, container ID, cgroup file lines) for every runtime × driver × version.
    static let layouts: [(String, String, [String])] = [
        ("containerd systemd v2", "containerd://\(idA)",
         ["0::/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod\(uid).slice/cri-containerd-\(idA).scope"]),
        ("containerd systemd v1", "containerd://\(idA)",
         ["12:pids:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(uid).slice/cri-containerd-\(idA).scope",
          "4:memory:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(uid).slice/cri-containerd-\(idA).scope",
          "1:name=systemd:/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod\(uid).slice/cri-containerd-\(idA).scope",
          "0::/"]),
        ("containerd cgroupfs v1", "containerd://\(idA)",
         ["11:memory:/kubepods/besteffort/pod\(uid)/\(idA)", "3:cpu,cpuacct:/kubepods/besteffort/pod\(uid)/\(idA)"]),
        ("containerd cgroupfs v2", "containerd://\(idA)", ["0::/kubepods/burstable/pod\(uid)/\(idA)"]),
        ("containerd nested systemd colon form", "containerd://\(idA)",
         ["0::/kubelet.slice/kubelet-kubepods.slice/kubepods-pod\(uid).slice:cri-containerd:\(idA)"]),
        ("cri-o systemd v2", "cri-o://\(idA)",
         ["0::/kubepods.slice/kubepods-pod\(uid).slice/crio-\(idA).scope"]),
        ("cri-o systemd v1", "cri-o://\(idA)",
         ["9:pids:/kubepods.slice/kubepods-pod\(uid).slice/crio-\(idA).scope", "0::/"]),
        ("cri-o cgroupfs v2", "cri-o://\(idA)", ["0::/kubepods/pod\(uid)/crio-\(idA)"]),
        ("docker systemd v2", "docker://\(idA)", ["0::/system.slice/docker-\(idA).scope"]),
        ("docker cgroupfs v1", "docker://\(idA)", ["7:devices:/docker/\(idA)", "1:name=systemd:/docker/\(idA)"]),
        ("docker via kubelet cgroupfs v2", "docker://\(idA)", ["0::/kubepods/besteffort/pod\(uid)/\(idA)"]),
        ("private cgroup namespace view", "containerd://\(idA)",
         ["0::/../../kubepods.slice/kubepods-pod\(uid).slice/cri-containerd-\(idA).scope"]),
    ]

    @Test("finds the process for each runtime, driver and cgroup version", arguments: 0..<layouts.count)
    func findsEachLayout(_ index: Int) throws {
        let (_, containerID, lines) = Self.layouts[index]
        let proc = ProcFixture()
        proc.add(pid: 1, ["0::/init.scope"])
        proc.add(pid: 4242, lines)
        proc.add(pid: 77, ["0::/system.slice/containerd.service"])
        proc.addNonProcess("sys")
        proc.addNonProcess("self")
        let resolved = try ContainerPIDResolver(procRoot: proc.root).resolve(Self.target([containerID]))
        #expect(resolved.pid == 4242)
        #expect(resolved.container.containerID == containerID)
    }

    @Test("an ID that is a prefix or suffix of another never matches")
    func exactSegments() throws {
        let proc = ProcFixture()
        let short = String(Self.idA.prefix(12))
        proc.add(pid: 10, ["0::/kubepods.slice/cri-containerd-\(Self.idA).scope"])
        proc.add(pid: 11, ["0::/kubepods/pod1/x\(short)"])
        proc.add(pid: 12, ["0::/kubepods/pod1/\(short)x"])
        let resolver = ContainerPIDResolver(procRoot: proc.root)
        #expect(throws: PIDResolutionError.self) { try resolver.resolve(Self.target(["containerd://\(short)"])) }
        #expect(try resolver.pids(of: "containerd://\(Self.idA)") == [10])
    }

    @Test("crio-conmon (host network namespace) is not the container")
    func conmonIsNotTheContainer() {
        let proc = ProcFixture()
        proc.add(pid: 30, ["0::/kubepods.slice/kubepods-pod\(Self.uid).slice/crio-conmon-\(Self.idA).scope"])
        #expect(throws: PIDResolutionError.self) {
            try ContainerPIDResolver(procRoot: proc.root).resolve(Self.target(["cri-o://\(Self.idA)"]))
        }
    }

    @Test("containers are tried in declaration order and the lowest PID wins")
    func order() throws {
        let proc = ProcFixture()
        proc.add(pid: 300, ["0::/k/cri-containerd-\(Self.idB).scope"])
        proc.add(pid: 200, ["0::/k/cri-containerd-\(Self.idA).scope"])
        proc.add(pid: 100, ["0::/k/cri-containerd-\(Self.idB).scope"])
        proc.add(pid: 250, ["0::/k/cri-containerd-\(Self.idA).scope"])
        let resolver = ContainerPIDResolver(procRoot: proc.root)
        let first = try resolver.resolve(Self.target(["containerd://\(Self.idA)", "containerd://\(Self.idB)"]))
        #expect(first.pid == 200 && first.container.name == "c0")
        let swapped = try resolver.resolve(Self.target(["containerd://\(Self.idB)", "containerd://\(Self.idA)"]))
        #expect(swapped.pid == 100 && swapped.container.name == "c0")
        // The first container is gone (restarting): fall back to the second.
        let fallback = try resolver.resolve(Self.target(["containerd://\(String(repeating: "c3", count: 32))", "containerd://\(Self.idB)"]))
        #expect(fallback.pid == 100 && fallback.container.name == "c1")
    }

    @Test("a restarted container (new ID) resolves to the new process")
    func restartFollowsNewID() throws {
        let proc = ProcFixture()
        proc.add(pid: 500, ["0::/k/cri-containerd-\(Self.idA).scope"])
        let resolver = ContainerPIDResolver(procRoot: proc.root)
        #expect(try resolver.resolve(Self.target(["containerd://\(Self.idA)"])).pid == 500)
        proc.add(pid: 600, ["0::/k/cri-containerd-\(Self.idB).scope"])
        #expect(try resolver.resolve(Self.target(["containerd://\(Self.idB)"])).pid == 600)
    }

    @Test("errors: nothing found, bad IDs, no containers, unreadable proc root")
    func errors() {
        let proc = ProcFixture()
        proc.add(pid: 1, ["0::/init.scope"])
        let resolver = ContainerPIDResolver(procRoot: proc.root)
        #expect(throws: PIDResolutionError.notFound(["containerd://\(Self.idA)"], procRoot: proc.root)) {
            try resolver.resolve(Self.target(["containerd://\(Self.idA)"]))
        }
        #expect(throws: PIDResolutionError.invalidContainerIDs(["abc", "docker://a/b"])) {
            try resolver.resolve(Self.target(["abc", "docker://a/b"]))
        }
        #expect(throws: PIDResolutionError.noContainers) { try resolver.resolve(Self.target([])) }
        #expect(throws: PIDResolutionError.self) {
            try ContainerPIDResolver(procRoot: proc.root + "/missing").resolve(Self.target(["containerd://\(Self.idA)"]))
        }
    }

    @Test("a large cgroup file (over the initial buffer) is read whole")
    func largeFile() throws {
        let proc = ProcFixture()
        var lines = (0..<200).map { "\($0 + 20):ctl\($0):/some/long/path/that/is/not/ours/\($0)" }
        lines.append("0::/k/cri-containerd-\(Self.idA).scope")
        proc.add(pid: 9, lines)
        #expect(try ContainerPIDResolver(procRoot: proc.root).resolve(Self.target(["containerd://\(Self.idA)"])).pid == 9)
    }
}
