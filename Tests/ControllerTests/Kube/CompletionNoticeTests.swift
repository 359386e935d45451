import Actors
import CaptureOptions
import Controller
import Foundation
import KubeClient
import Testing

/// Completed captures and options in Events, the status annotation and /metrics.
@Suite("Events, status and metrics for options and completion")
struct CompletionNoticeTests {
    static let pod = PodRef(namespace: "default", name: "web-1", uid: "u1")
    static let time = Date(timeIntervalSince1970: 1_764_237_600)
    static let spec = CaptureSpec(fileCount: 2, options: CaptureOptions(filter: "tcp port 80", snaplen: 96, stopOn: .containerRestart))

    func status(_ notice: CaptureNotice) throws -> [String: Any] {
        guard case .set(let json) = notice.status else { throw CancellationError() }
        return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    @Test func completedKeepsFilesAndSaysSoWithCountsOptionsAndTheRequestKey() throws {
        let files = ["/capture/capture-web-1.pcap0", "/capture/capture-web-1.pcap1"]
        let exit = CaptureExit(status: .exited(0), statistics: CaptureStatistics(captured: 1200, receivedByFilter: 1203, droppedByKernel: 3))
        let report = CaptureReport(pod: Self.pod, change: .completed(
            reason: .containerRestarted(container: "app", detail: "exited (its main process 4242 ended)"), exit: exit, files: files),
            spec: Self.spec)
        let n = CaptureNotice.of(report, now: Self.time, sizeOf: { $0.hasSuffix("0") ? 1_000_000 : nil })
        #expect(n.reason == "CaptureCompleted" && n.type == .normal && n.emitsEvent)
        #expect(n.message == "capture completed: container app exited (its main process 4242 ended); tcpdump stopped, kept 1 file (capture-web-1.pcap0); 1200 packets captured, 3 dropped by kernel; remove the annotation to delete them")
        let s = try status(n)
        #expect(s["state"] as? String == "completed")
        #expect(s["reason"] as? String == "ContainerRestarted")
        #expect(s["packets"] as? Int == 1200 && s["dropped"] as? Int == 3)
        #expect((s["files"] as? [[String: Any]])?.map { $0["bytes"] as? Int } == [1_000_000])
        #expect(s["options"] as? [String: String] == ["filter": "tcp port 80", "snaplen": "96", "stop-on": "container-restart"])
        guard case .set(let raw) = n.status else { return }
        // What the next podcap reads to know this capture must not run again.
        #expect(CompletionMarker.key(inStatus: raw) == Self.spec.key)
    }

    @Test func startedNamesTheOptionsInForce() throws {
        let report = CaptureReport(pod: Self.pod, change: .started(
            pid: 7, container: .init(name: "app", containerID: "containerd://a"), files: ["/capture/capture-web-1.pcap0"], attempt: 1),
            spec: Self.spec)
        let n = CaptureNotice.of(report, now: Self.time, sizeOf: { _ in 24 })
        #expect(n.message.hasSuffix("; options: filter \"tcp port 80\", snaplen 96, stop-on container-restart"))
        let s = try status(n)
        #expect(s["state"] as? String == "capturing")
        #expect((s["options"] as? [String: String])?["filter"] == "tcp port 80")
        #expect(s["request"] == nil, "only a completed capture carries the marker")
    }

    @Test func optionChangeRestartsAndOptionRejectionNamesTheAnnotation() throws {
        let stop = CaptureNotice.of(CaptureReport(pod: Self.pod, change: .stopped(
            reason: .optionsChanged, exit: nil, filesDeleted: ["/capture/capture-web-1.pcap0"], ran: true)), now: Self.time)
        #expect(stop.message == "capture stopped: options changed, restarting with the new options; deleted 1 file")
        #expect(try status(stop)["reason"] as? String == "OptionsChanged")
        #expect(stop.emitsEvent)
        let rejection = OptionRejection(annotation: OptionAnnotation.snaplen.rawValue, value: "0", problem: "expected an integer 1…262144")
        let rejected = CaptureNotice.of(CaptureReport(pod: Self.pod, change: .rejected(.invalidOption(rejection))), now: Self.time)
        #expect(rejected.reason == "CaptureRejected" && rejected.type == .warning)
        #expect(rejected.message == "invalid value \"0\" for tcpdump.antrea.io/snaplen: expected an integer 1…262144")
        #expect(try status(rejected)["reason"] as? String == "InvalidOption")
        let missing = CaptureNotice.of(CaptureReport(pod: Self.pod, change: .rejected(.interfaceNotFound("net1", available: ["lo", "eth0"]))),
                                       now: Self.time)
        #expect(missing.message == "invalid value \"net1\" for tcpdump.antrea.io/interface: no such interface in the Pod's network namespace; it has lo, eth0")
    }

    @Test func progressUpdatesTheStatusWithoutAnEvent() throws {
        let report = CaptureReport(pod: Self.pod, change: .progress(
            statistics: CaptureStatistics(captured: 812, receivedByFilter: 812, droppedByKernel: 0), files: ["/capture/capture-web-1.pcap"]))
        let n = CaptureNotice.of(report, now: Self.time, sizeOf: { _ in 100_024 })
        #expect(!n.emitsEvent)
        #expect(n.message == "capturing: 812 packets captured, 0 dropped by kernel, 1 file on disk")
        let s = try status(n)
        #expect(s["state"] as? String == "capturing" && s["packets"] as? Int == 812 && s["dropped"] as? Int == 0)
    }

    @Test func metricsCountCompletionsByReason() throws {
        let metrics = MetricsReporter()
        let text0 = metrics.render()
        for reason in ["DurationElapsed", "PacketCountReached", "ContainerRestarted"] {
            #expect(text0.contains("podcap_captures_completed_total{reason=\"\(reason)\"} 0"), "zero series up front: \(reason)")
        }
        let exit = CaptureExit(status: .exited(0), statistics: CaptureStatistics(captured: 25, receivedByFilter: 25, droppedByKernel: 0))
        metrics.report(CaptureReport(pod: Self.pod, change: .started(pid: 1, container: .init(name: "app", containerID: "c"), files: [], attempt: 1)))
        metrics.report(CaptureReport(pod: Self.pod, change: .completed(reason: .packetCount(25), exit: exit, files: [])))
        let text = metrics.render()
        #expect(text.contains("podcap_captures_completed_total{reason=\"PacketCountReached\"} 1"))
        #expect(text.contains("podcap_packets_captured_total 25"))
        #expect(text.contains("podcap_captures_running 0"), "a completed capture holds no slot")
    }
}
