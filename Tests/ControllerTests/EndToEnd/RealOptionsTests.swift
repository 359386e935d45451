import Actors
import CaptureOptions
import Controller
import Foundation
import KubeClient
import NodeRuntime
import Pcap
import PodSandbox
import TestSupport
import Testing

/// The capture options with real tcpdump in network-namespace Pods, through the real API
/// server when there is one: filters filter, snaplen caps, duration and packet count complete
/// and keep their files, an option change never mixes files, a container's death freezes the
/// ring at once.
@Suite("end to end: capture options with real tcpdump", .serialized)
struct RealOptionsTests {
    typealias O = OptionAnnotation

    @Test("filter, snaplen, option change, packet count, duration, interface, stop-on", .enabled(if: RealCaptureTests.unsupported == nil))
    func options() async throws {
        let tier = APITier.available.last ?? .kubesim
        try await withSandboxPods(count: 5, options: SandboxOptions(subnet: "10.253.0", namePrefix: "podcap-opt")) { pods in
            try await TestCluster.with(tier) { cluster in
                try await run(cluster: cluster, pods: pods)
            }
        }
        #expect(RealCaptureTests.tcpdumpsWriting(into: "/tmp/podcap-opt-").isEmpty, "no tcpdump may outlive the test")
    }

    private func run(cluster: TestCluster, pods: [SandboxPod]) async throws {
        let node = TestNames.unique("node")
        try await cluster.createRunningPods(["alpha", "beta", "gamma", "delta"], on: node, backedBy: pods)
        let directory = try TestDirectory(prefix: "podcap-opt")
        defer { directory.remove() }
        let settings = CaptureSettings(directory: directory.path)
        let waiter = CaptureReportWaiter()
        var configuration = ControllerConfiguration(nodeName: node, kube: cluster.config, settings: settings, grace: .seconds(3))
        configuration.listen = "127.0.0.1:0"
        configuration.progressInterval = .milliseconds(300)
        let path = { (name: String) in "\(directory.path)/capture-\(name).pcap" }
        let sender = pods[4]

        try await withController(configuration, waiter: waiter) {
            // 1. A filter and a snaplen: only the matching datagrams, each cut to 96 bytes.
            var mark = waiter.mark
            try await cluster.annotate("alpha", [captureAnnotation: "1", O.filter.rawValue: "udp port 7001", O.snaplen.rawValue: "96"])
            let alphaPID = try await waiter.waitForStart(of: "alpha", since: mark, timeout: .seconds(5))
            #expect(Self.commandLine(alphaPID).suffix(2) == ["--", "udp port 7001"])
            let matching = try await Traffic.sendUDP(from: sender, to: pods[0], port: 7001, count: 60, payloadSize: 400)
            _ = try await Traffic.sendUDP(from: sender, to: pods[0], port: 7002, count: 60, payloadSize: 400)
            _ = try await Traffic.ping(from: sender, to: pods[0], count: 5)
            let marker = try await Traffic.sendUDP(from: sender, to: pods[0], port: 7001, count: 1, payloadSize: 400)
            var summary = try PcapReader.summarize(path: path("alpha"))
            try await cluster.eventually(timeout: .seconds(5), "alpha's matching datagrams on disk") {
                summary = try PcapReader.summarize(path: path("alpha"))
                return summary.packets >= matching + marker
            }
            #expect(summary.packets == matching + marker, "only udp port 7001: \(summary.protocols)")
            #expect(summary.protocols.icmp == 0 && summary.protocols.arp == 0)
            #expect(summary.capturedBytes <= 96 * summary.packets, "snaplen caps every packet")
            #expect(summary.bytes == summary.packets * (14 + 20 + 8 + 400), "original lengths are kept")
            // While it runs, tcpdump's own counters (SIGUSR1) reach the status.
            let counted = try await waiter.next(since: mark, timeout: .seconds(5)) { r in
                if case .progress(let stats, _) = r.change { return r.pod.name == "alpha" && stats.captured >= UInt64(matching + marker) }
                return false
            }
            guard case .progress(let live, _) = counted.change else { return }
            #expect(live.captured == UInt64(summary.packets) && live.droppedByKernel == 0)
            #expect(RealCaptureTests.isAlive(alphaPID), "asking for the counters does not stop tcpdump")
            try await cluster.eventually(timeout: .seconds(5), "alpha's status carries the counters") {
                let status = try await cluster.annotations("alpha")[O.status] ?? ""
                return status.contains(#""state":"capturing""#) && status.contains(#""packets":\#(summary.packets),"dropped":0"#)
            }

            // 2. Change the filter mid-capture: old files go first, the new capture starts empty.
            mark = waiter.mark
            try await cluster.annotate("alpha", [O.filter.rawValue: "udp port 7002"])
            let stopped = try await waiter.next(since: mark) { $0.pod.name == "alpha" && { if case .stopped = $0.change { true } else { false } }($0) }
            guard case .stopped(.optionsChanged, _, let deleted, true) = stopped.change else {
                Issue.record("\(stopped.change)")
                return
            }
            #expect(deleted == [path("alpha")])
            let alphaPID2 = try await waiter.waitForStart(of: "alpha", since: mark)
            #expect(!RealCaptureTests.isAlive(alphaPID))
            let second = try await Traffic.sendUDP(from: sender, to: pods[0], port: 7002, count: 30, payloadSize: 100)
            _ = try await Traffic.sendUDP(from: sender, to: pods[0], port: 7001, count: 30, payloadSize: 100)
            let end = try await Traffic.sendUDP(from: sender, to: pods[0], port: 7002, count: 1, payloadSize: 100)
            try await cluster.eventually(timeout: .seconds(5), "alpha's new datagrams on disk") {
                summary = try PcapReader.summarize(path: path("alpha"))
                return summary.packets >= second + end
            }
            #expect(summary.packets == second + end, "nothing of the old capture, nothing of port 7001")
            #expect(summary.bytes == summary.packets * (14 + 20 + 8 + 100))
            #expect(Self.commandLine(alphaPID2).suffix(2) == ["--", "udp port 7002"])

            // 3. A packet count: tcpdump stops by itself; the files stay until removal.
            mark = waiter.mark
            try await cluster.annotate("beta", [captureAnnotation: "2", O.packets.rawValue: "25", O.filter.rawValue: "udp"])
            let betaPID = try await waiter.waitForStart(of: "beta", since: mark)
            _ = try await Traffic.sendUDP(from: sender, to: pods[1], port: 7003, count: 80, payloadSize: 64)
            let betaDone = try await waiter.next(since: mark, timeout: .seconds(10)) { r in
                if case .completed = r.change { return r.pod.name == "beta" }
                return false
            }
            guard case .completed(.packetCount(25), let exit, let files) = betaDone.change else {
                Issue.record("\(betaDone.change)")
                return
            }
            #expect(exit?.statistics?.captured == 25)
            #expect(!RealCaptureTests.isAlive(betaPID))
            let betaFile = try PcapReader.summarize(path: files[0])
            #expect(betaFile.packets == 25 && !betaFile.truncated)
            try await cluster.eventually(timeout: .seconds(5), "beta's status says completed") {
                let status = try await cluster.annotations("beta")[O.status] ?? ""
                return status.contains(#""state":"completed""#) && status.contains(#""reason":"PacketCountReached""#)
                    && status.contains(#""packets":25"#) && status.contains(#""options":{"filter":"udp","packets":"25"}"#)
            }
            // More traffic starts nothing new.
            _ = try await Traffic.sendUDP(from: sender, to: pods[1], port: 7003, count: 10, payloadSize: 64)
            #expect(try PcapReader.summarize(path: files[0]).packets == 25)
            mark = waiter.mark
            try await cluster.annotate("beta", [captureAnnotation: nil, O.packets.rawValue: nil, O.filter.rawValue: nil])
            let betaGone = try await waiter.waitForStop(of: "beta", since: mark)
            #expect(betaGone == [path("beta") + "0"])
            #expect(!FileManager.default.fileExists(atPath: path("beta") + "0"))

            // 4. A duration: completes after it, with a valid file kept.
            mark = waiter.mark
            let started = ContinuousClock.now
            try await cluster.annotate("gamma", [captureAnnotation: "1", O.duration.rawValue: "2s"])
            _ = try await waiter.waitForStart(of: "gamma", since: mark)
            _ = try await Traffic.ping(from: sender, to: pods[2], count: 3)
            let gammaDone = try await waiter.next(since: mark, timeout: .seconds(10)) { r in
                if case .completed = r.change { return r.pod.name == "gamma" }
                return false
            }
            let elapsed = ContinuousClock.now - started
            guard case .completed(.duration(.seconds(2)), _, _) = gammaDone.change else { Issue.record("\(gammaDone.change)"); return }
            #expect(elapsed >= .seconds(2) && elapsed < .seconds(5), "\(elapsed)")
            let gammaFile = try PcapReader.summarize(path: path("gamma"))
            #expect(gammaFile.packets >= 6 && !gammaFile.truncated)
            mark = waiter.mark
            try await cluster.annotate("gamma", [captureAnnotation: nil, O.duration.rawValue: nil])
            #expect(try await waiter.waitForStop(of: "gamma", since: mark) == [path("gamma")])

            // 5. An interface the Pod does not have: rejected with the ones it has; nothing runs.
            mark = waiter.mark
            try await cluster.annotate("delta", [captureAnnotation: "1", O.interface.rawValue: "net9"])
            let rejected = try await waiter.next(since: mark) { $0.pod.name == "delta" }
            guard case .rejected(.interfaceNotFound("net9", let available)) = rejected.change else { Issue.record("\(rejected.change)"); return }
            #expect(available.contains("eth0") && available.contains("lo"))
            #expect(RealCaptureTests.tcpdumpsWriting(into: path("delta")).isEmpty)
            // 6. A filter libpcap rejects: a CaptureRejected Event with libpcap's message.
            mark = waiter.mark
            try await cluster.annotate("delta", [O.interface.rawValue: nil, O.filter.rawValue: "tcp prt 80"])
            let bad = try await waiter.next(since: mark) { r in
                if case .rejected(.invalidOption) = r.change { return r.pod.name == "delta" }
                return false
            }
            #expect("\(bad.change)".contains("syntax error"))
            try await cluster.eventually(timeout: .seconds(5), "delta's CaptureRejected Event") {
                try await cluster.driver.events(namespace: cluster.namespace).contains { event in
                    event.reason == "CaptureRejected" && event.message.contains("tcpdump.antrea.io/filter")
                        && event.message.contains("libpcap: can't parse filter expression: syntax error")
                }
            }

            // 7. stop-on: the container's main process dies; tcpdump stops at once, files kept.
            mark = waiter.mark
            try await cluster.annotate("delta", [O.filter.rawValue: nil, O.stopOn.rawValue: "container-restart"])
            let deltaPID = try await waiter.waitForStart(of: "delta", since: mark)
            let beforeCrash = try await Traffic.sendUDP(from: sender, to: pods[3], port: 7004, count: 20, payloadSize: 64)
            let killed = ContinuousClock.now
            kill(pods[3].pid, SIGKILL)
            let deltaDone = try await waiter.next(since: mark, timeout: .seconds(5)) { r in
                if case .completed = r.change { return r.pod.name == "delta" }
                return false
            }
            let reaction = ContinuousClock.now - killed
            print("stop-on: container killed → Completed in \(reaction.readable)")
            guard case .completed(.containerRestarted(let container, let detail), _, _) = deltaDone.change else {
                Issue.record("\(deltaDone.change)")
                return
            }
            #expect(container == "app")
            #expect(detail.contains("main process \(pods[3].pid) ended"))
            #expect(reaction < .seconds(1), "seen on the node, not from the kubelet's status")
            #expect(!RealCaptureTests.isAlive(deltaPID))
            let deltaFile = try PcapReader.summarize(path: path("delta"))
            #expect(deltaFile.packets >= beforeCrash && !deltaFile.truncated, "the packets before the crash are kept")
            // A completed capture parks: no tcpdump of delta exists and none was started again.
            #expect(RealCaptureTests.tcpdumpsWriting(into: path("delta")).isEmpty, "no new tcpdump starts")
            let deltaStarts = waiter.reports.dropFirst(mark).filter { r in
                if case .started = r.change { return r.pod.name == "delta" }
                return false
            }
            #expect(deltaStarts.count == 1)
        }
    }

    /// argv of a live process.
    static func commandLine(_ pid: Int32) -> [String] {
        guard let data = FileManager.default.contents(atPath: "/proc/\(pid)/cmdline") else { return [] }
        return data.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
    }
}
