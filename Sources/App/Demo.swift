import Actors
import Controller
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import KubeClient
import KubeSim
import Logging
import NodeRuntime
import Pcap
import PodSandbox

/// The steps of `podcap demo`.
struct Demo {
    let fileCount: Int
    let report: DemoReport
    let node = "demo-node"
    let namespace = "default"

    func run() async throws {
        let started = ContinuousClock.now
        let work = try TemporaryDirectory(prefix: "podcap-demo")
        defer { work.remove() }
        let captureDir = work.path + "/capture"
        print("podcap demo: real tcpdump in network-namespace Pods, driven through a Kubernetes API over HTTP")

        step(1, "creating 2 Pods as network namespaces (veth eth0, a process in a containerd-named cgroup)")
        let network = try await SandboxNetwork.create(count: 2, options: SandboxOptions(subnet: "10.250.0", namePrefix: "podcap-demo"))
        let sim: KubeSim
        do {
            sim = try await KubeSim.start()
        } catch {
            await network.tearDown()
            throw error
        }
        do {
            try await runSteps(sim: sim, network: network, captureDir: captureDir)
        } catch {
            await sim.shutdown()
            await network.tearDown()
            throw error
        }
        await sim.shutdown()
        await network.tearDown()
        step(9, "torn down: network namespaces, cgroups, processes and the API server are gone")
        print("demo finished in \(Self.milliseconds(ContinuousClock.now - started)) ms")
        if let directory = report.directory { print("artefacts written to \(directory)/") }
    }

    private func runSteps(sim: KubeSim, network: SandboxNetwork, captureDir: String) async throws {
        let names = ["demo-a", "demo-b"]
        for (pod, name) in zip(network.pods, names) {
            try sim.createPod(namespace: namespace, name: name, nodeName: node)
            try sim.setPodStatus(namespace: namespace, name: name, status: Self.runningStatus(pod))
            print("      \(namespace)/\(name): eth0 \(pod.ipv4), netns \(pod.netnsPath), \(pod.containerID.prefix(26))…, pid \(pod.pid)")
        }

        step(2, "API server (KubeSim) at \(sim.url) holds both Pods as Running on node \(node)")
        let kube = KubeConfig(server: sim.url, token: .literal(sim.token), source: "podcap demo")
        let configuration = ControllerConfiguration(
            nodeName: node, kube: kube, settings: CaptureSettings(directory: captureDir), maxConcurrent: 4,
            diskBudgetMB: 100, grace: .seconds(5), listen: "127.0.0.1:0")
        let client = try KubernetesClient(config: kube)
        let watcher = CaptureReportWaiter()
        do {
            try await drive(client: client, watcher: watcher, configuration: configuration, sim: sim, network: network,
                            names: names, captureDir: captureDir)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    private func drive(client: KubernetesClient, watcher: CaptureReportWaiter, configuration: ControllerConfiguration, sim: KubeSim,
                       network: SandboxNetwork, names: [String], captureDir: String) async throws {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                try await PodcapController(configuration: configuration, reporters: [watcher]).run(signals: false)
            }
            defer { group.cancelAll() }

            step(3, "controller running: watching Pods of \(node), capture directory \(captureDir)")
            let a = network.pods[0], b = network.pods[1]
            step(4, "PATCH \(namespace)/demo-a  metadata.annotations[\(captureAnnotation)] = \"\(fileCount)\"")
            let patched = ContinuousClock.now
            let beforePatch = watcher.mark
            try await client.patchPodAnnotation(namespace: namespace, name: "demo-a", key: captureAnnotation, value: String(fileCount))
            let pid = try await watcher.waitForStart(of: "demo-a", since: beforePatch)
            let netns = Self.netnsInode(pid: pid)
            print("      tcpdump running after \(Self.milliseconds(ContinuousClock.now - patched)) ms: pid \(pid), netns inode \(netns.map(String.init) ?? "?") (demo-a's is \(a.netnsInode))")

            step(5, "traffic: 10 pings and 500 UDP datagrams from demo-b (\(b.ipv4)) to demo-a (\(a.ipv4))")
            let replies = try await Traffic.ping(from: b, to: a, count: 10)
            let datagrams = try await Traffic.sendUDP(from: b, to: a, count: 500, payloadSize: 1200)
            print("      \(replies) ping replies, \(datagrams) UDP datagrams sent")

            step(6, "capture files and their libpcap summary")
            let plan = CapturePlan(pod: PodRef(namespace: namespace, name: "demo-a", uid: ""), fileCount: fileCount,
                                   settings: CaptureSettings(directory: captureDir))
            let present = plan.filePaths.filter { FileManager.default.fileExists(atPath: $0) }
            // The kernel hands packets to tcpdump a ring block at a time (up to a second later);
            // give the file that long to hold everything that was sent before summarising it.
            let expected = replies * 2 + datagrams
            let waitUntil = ContinuousClock.now + .seconds(3)
            while ContinuousClock.now < waitUntil,
                  let first = present.first, (try? PcapReader.summarize(path: first))?.packets ?? 0 < expected {
                try await Task.sleep(for: .milliseconds(50))
            }
            let listing = present.map { path in "      \(CaptureFiles.size(of: path) ?? -1) bytes  \(path)" }.joined(separator: "\n")
            print(listing)
            var summaries: [PcapSummary] = []
            for path in present {
                let summary = try PcapReader.summarize(path: path)
                summaries.append(summary)
                print(summary.report.split(separator: "\n").map { "      " + $0 }.joined(separator: "\n"))
            }
            let status = sim.annotations(namespace: namespace, name: "demo-a")[CaptureNotice.statusAnnotation] ?? "none"
            print("      status annotation: \(status)")
            try report.write(sim: sim, namespace: namespace, pods: names, listing: listing, files: present, summaries: summaries)

            step(7, "PATCH \(namespace)/demo-a  metadata.annotations[\(captureAnnotation)] = null")
            let removed = ContinuousClock.now
            let beforeRemoval = watcher.mark
            try await client.patchPodAnnotation(namespace: namespace, name: "demo-a", key: captureAnnotation, value: nil)
            let deleted = try await watcher.waitForStop(of: "demo-a", since: beforeRemoval)
            let left = plan.filePaths.filter { FileManager.default.fileExists(atPath: $0) }
            print("      capture stopped (files deleted, tcpdump reaped): \(deleted.count) file(s) after \(Self.milliseconds(ContinuousClock.now - removed)) ms; files left: \(left.isEmpty ? "none" : left.joined(separator: ", "))")
            guard left.isEmpty else { throw DemoError("files still present after the annotation was removed: \(left)") }
            try report.writeCleanup(captureDir: captureDir, deleted: deleted)

            // The reporter writes Events after the report; give the CaptureStopped one time to land.
            let eventDeadline = ContinuousClock.now + .seconds(5)
            while ContinuousClock.now < eventDeadline,
                  !sim.events(namespace: namespace).contains(where: { $0.objectName == "demo-a" && $0.reason == "CaptureStopped" }) {
                try await Task.sleep(for: .milliseconds(20))
            }
            step(8, "Events recorded on demo-a:")
            for event in sim.events(namespace: namespace) where event.objectName == "demo-a" {
                print("      \(event.type) \(event.reason): \(event.message)")
            }
        }
    }

    private func step(_ n: Int, _ text: String) { print("[\(n)/9] \(text)") }

    static func runningStatus(_ pod: SandboxPod) -> JSONValue {
        [
            "phase": "Running", "podIP": .string(pod.ipv4), "podIPs": [["ip": .string(pod.ipv4)]],
            "containerStatuses": [[
                "name": "app", "ready": true, "started": true, "restartCount": 0,
                "image": "registry.k8s.io/pause:3.9", "imageID": "",
                "containerID": .string(pod.containerID),
                "state": ["running": ["startedAt": "2026-01-01T00:00:00Z"]],
            ]],
        ]
    }

    static func netnsInode(pid: Int32) -> UInt64? {
        var info = stat()
        return stat("/proc/\(pid)/ns/net", &info) == 0 ? UInt64(info.st_ino) : nil
    }

    static func milliseconds(_ d: Duration) -> String {
        let (s, atto) = d.components
        // `%.1f` by hand: String(format:) is not in FoundationEssentials.
        let tenths = Int(((Double(s) * 1000 + Double(atto) / 1e15) * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}

struct DemoError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
