import Actors
import NodeRuntime
import PodSandbox
import Testing

@Suite("PID resolution of real processes in real cgroups", .enabled(if: Machine.supported))
struct SandboxResolutionTests {
    @Test("sandbox Pods are found through /proc, in the right network namespace", arguments: [CgroupMode.v2, .v1])
    func resolvesRealProcesses(_ mode: CgroupMode) async throws {
        guard CgroupHierarchy.detect(mode) != nil else {
            print("podcap: no cgroup \(mode) hierarchy on this machine; skipped")
            return
        }
        try await withSandboxPods(count: 2, options: SandboxOptions(cgroup: mode)) { pods in
            let resolver = ContainerPIDResolver()
            for pod in pods {
                #expect(pod.cgroupVersion == (mode == .v2 ? 2 : 1))
                #expect(pod.cgroupPath.hasSuffix("/cri-containerd-\(pod.bareContainerID).scope"))
                let resolved = try resolver.resolve(Machine.target(for: pod))
                #expect(resolved.pid == pod.pid)
                #expect(Machine.netnsInode(of: resolved.pid) == pod.netnsInode)
            }
            // The second container is used when the first has no process on the node.
            let missing = CaptureTarget.Container(name: "gone", containerID: "containerd://" + String(repeating: "0", count: 64))
            let target = CaptureTarget(pod: PodRef(namespace: "d", name: "p", uid: "u"),
                                       containers: [missing, .init(name: "side", containerID: pods[1].containerID)])
            let fallback = try resolver.resolve(target)
            #expect(fallback.pid == pods[1].pid && fallback.container.name == "side")
            #expect(try await Traffic.ping(from: pods[0], to: pods[1], count: 3) == 3)
        }
    }

    @Test("teardown removes namespaces, processes and cgroups, even when the body throws")
    func teardown() async throws {
        struct Boom: Error {}
        var seen: [SandboxPod] = []
        do {
            try await withSandboxPods(count: 1) { pods in
                seen = pods
                throw Boom()
            }
        } catch is Boom {}
        let pod = try #require(seen.first)
        #expect(!TempTree.exists(pod.netnsPath))
        #expect(!TempTree.exists(pod.cgroupPath))
        #expect(Machine.netnsInode(of: pod.pid) == nil || Machine.netnsInode(of: pod.pid) != pod.netnsInode)
    }
}
