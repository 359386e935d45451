import Actors
import Controller
import Foundation
import KubeClient
import Testing

/// What each capture state becomes as a Kubernetes Event and as the status annotation.
@Suite("Events and status annotation per state")
struct CaptureNoticeTests {
    static let pod = PodRef(namespace: "default", name: "web-1", uid: "u1")
    static let time = Date(timeIntervalSince1970: 1_764_237_600)  // 2025-11-27T10:00:00Z

    func notice(_ change: CaptureReport.Change) -> CaptureNotice {
        CaptureNotice.of(CaptureReport(pod: Self.pod, change: change), now: Self.time)
    }

    func status(_ notice: CaptureNotice) throws -> [String: Any] {
        guard case .set(let json) = notice.status else { throw CancellationError() }
        return try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
    }

    @Test func queued() throws {
        let n = notice(.queued(position: 2))
        #expect(n.reason == "CaptureQueued" && n.type == .normal && n.emitsEvent)
        #expect(n.message.hasPrefix("waiting for a capture slot (position 2)"))
        #expect(try status(n)["state"] as? String == "queued")
    }

    @Test func started() throws {
        let files = ["/capture/capture-web-1.pcap0", "/capture/capture-web-1.pcap1"]
        let n = notice(.started(pid: 42, container: .init(name: "app", containerID: "containerd://a"), files: files, attempt: 1))
        #expect(n.reason == "CaptureStarted" && n.type == .normal)
        #expect(n.message == "tcpdump started (pid 42, entered from container app), writing up to 2 rotated files /capture/capture-web-1.pcap0 … /capture/capture-web-1.pcap1")
        let s = try status(n)
        #expect(s["state"] as? String == "capturing")
        #expect(s["time"] as? String == "2025-11-27T10:00:00Z")
        let restarted = notice(.started(pid: 43, container: .init(name: "app", containerID: "containerd://a"), files: files, attempt: 3))
        #expect(restarted.message.hasPrefix("tcpdump restarted (attempt 3, pid 43"))
        #expect(try status(restarted)["reason"] as? String == "Restarted")
    }

    /// `since` is the capture's age for `kubectl podcap status`: a first start stamps it with
    /// its own time, a restart or progress carries the first start's; other states have none.
    @Test func sinceCarriesTheFirstStart() throws {
        let container = CaptureTarget.Container(name: "app", containerID: "containerd://a")
        let first = notice(.started(pid: 42, container: container, files: [], attempt: 1))
        #expect(try status(first)["since"] as? String == "2025-11-27T10:00:00Z")
        let later = CaptureNotice.of(CaptureReport(pod: Self.pod, change: .progress(
            statistics: CaptureStatistics(captured: 1, receivedByFilter: 1, droppedByKernel: 0), files: [])),
            now: Self.time.addingTimeInterval(3600), since: "2025-11-27T10:00:00Z")
        #expect(try status(later)["since"] as? String == "2025-11-27T10:00:00Z")
        #expect(try status(later)["time"] as? String == "2025-11-27T11:00:00Z")
        #expect(try status(notice(.queued(position: 1)))["since"] == nil)
    }

    /// Issue 13, item 4: the status lists the files on disk with their sizes, and the limit apart.
    @Test func statusListsExistingFilesWithSizes() throws {
        let files = ["/capture/capture-web-1.pcap0.1", "/capture/capture-web-1.pcap0", "/capture/capture-web-1.pcap1",
                     "/capture/capture-web-1.pcap2", "/capture/capture-web-1.pcap3"]
        let sizes: [String: Int64] = ["/capture/capture-web-1.pcap0.1": 4096, "/capture/capture-web-1.pcap0": 24]
        let n = CaptureNotice.of(CaptureReport(pod: Self.pod, change: .started(
            pid: 7, container: .init(name: "app", containerID: "containerd://a"), files: files, attempt: 2)),
            now: Self.time, sizeOf: { sizes[$0] })
        let s = try status(n)
        let listed = try #require(s["files"] as? [[String: Any]])
        #expect(listed.map { $0["path"] as? String } == ["/capture/capture-web-1.pcap0.1", "/capture/capture-web-1.pcap0"])
        #expect(listed.map { $0["bytes"] as? Int } == [4096, 24])
        #expect(s["maxFiles"] as? Int == 5)
        #expect(n.message.hasSuffix("writing up to 4 rotated files /capture/capture-web-1.pcap0 … /capture/capture-web-1.pcap3; kept 1 file of earlier runs (capture-web-1.pcap0.1)"))
    }

    @Test func failedAndWaitingAreWarnings() throws {
        let failed = notice(.failed(reason: "tcpdump was killed by signal 9", retryIn: .seconds(2), attempt: 1))
        #expect(failed.reason == "CaptureFailed" && failed.type == .warning)
        #expect(failed.message == "tcpdump was killed by signal 9; restarting in 2s (attempt 1)")
        #expect(try status(failed)["state"] as? String == "failed")
        let waiting = notice(.waiting(reason: "no process of container app", retryIn: .milliseconds(1500)))
        #expect(waiting.reason == "CaptureFailed" && waiting.type == .warning)
        #expect(waiting.message == "no process of container app; retrying in 1.5s")
        #expect(try status(waiting)["state"] as? String == "waiting")
        #expect(try status(waiting)["reason"] as? String == "WaitingForContainer", "the Pod exists; its container's process is not found yet")
    }

    /// Issue 12: the Event of a failure or restart has no attempt, delay or PID, so a crash loop
    /// is one Event series (its count grows) rather than two new Events per death; the status
    /// keeps the detail.
    @Test func crashLoopRepeatsShareOneEventMessage() {
        let container = CaptureTarget.Container(name: "app", containerID: "containerd://a")
        let failures = (1...3).map { notice(.failed(reason: "tcpdump was killed by signal 9", retryIn: .seconds($0), attempt: $0)) }
        #expect(Set(failures.map(\.eventMessage)) == ["tcpdump was killed by signal 9; restarting with backoff"])
        #expect(Set(failures.map(\.message)).count == 3)
        let restarts = (2...4).map { notice(.started(pid: Int32(40 + $0), container: container, files: [], attempt: $0)) }
        #expect(Set(restarts.map(\.eventMessage)) == ["tcpdump restarted after a failure (container app)"])
        let first = notice(.started(pid: 42, container: container, files: [], attempt: 1))
        #expect(first.eventMessage == first.message)
        let waiting = (1...2).map { notice(.waiting(reason: "no process of container app", retryIn: .seconds($0))) }
        #expect(Set(waiting.map(\.eventMessage)) == ["no process of container app; retrying with backoff"])
    }

    /// Issue 13, item 7: delays as people read them, the same format as the logs.
    @Test func retryDelaysAreReadable() {
        let failed = notice(.failed(reason: "tcpdump exited with status 1", retryIn: .nanoseconds(1_065_602_234), attempt: 2))
        #expect(failed.message == "tcpdump exited with status 1; restarting in 1.07s (attempt 2)")
        let waiting = notice(.waiting(reason: "no process of container app", retryIn: .seconds(60)))
        #expect(waiting.message == "no process of container app; retrying in 1m")
    }

    @Test func rejectedCarriesTheReason() throws {
        let n = notice(.rejected(.invalidValue("abc", maxFiles: 100)))
        #expect(n.reason == "CaptureRejected" && n.type == .warning)
        #expect(n.message == #"invalid value "abc" for tcpdump.antrea.io: expected an integer 1…100"#)
        let s = try status(n)
        #expect(s["state"] as? String == "rejected")
        #expect(s["reason"] as? String == "InvalidValue")
    }

    @Test func stopped() throws {
        let stats = CaptureExit(status: .exited(0), statistics: CaptureStatistics(captured: 120, receivedByFilter: 121, droppedByKernel: 1))
        let removed = notice(.stopped(reason: .annotationRemoved, exit: stats, filesDeleted: ["/capture/capture-web-1.pcap0"], ran: true))
        #expect(removed.reason == "CaptureStopped" && removed.emitsEvent)
        #expect(removed.message == "capture stopped: annotation removed; 120 packets captured, 1 dropped by kernel; deleted 1 file")
        #expect(removed.status == .remove, "the status annotation goes with the capture")
        let shutdown = notice(.stopped(reason: .shutdown, exit: stats, filesDeleted: [], ran: true))
        #expect(!shutdown.emitsEvent, "shutdown is not news about the Pod")
        #expect(try status(shutdown)["state"] as? String == "stopped", "no longer says running while podcap is away")
        #expect(shutdown.message.hasPrefix("capture stopped: podcap is shutting down, files kept; it resumes when podcap runs again"))
        let gone = notice(.stopped(reason: .podGone, exit: nil, filesDeleted: [], ran: true))
        #expect(!gone.emitsEvent && gone.status == .keep, "nothing to write on a Pod that is gone")
    }

    /// Issue 13, item 3: a capture that never ran is cancelled, not stopped.
    @Test func cancelledBeforeItRan() throws {
        let pending = notice(.stopped(reason: .annotationRemoved, exit: nil, filesDeleted: [], ran: false))
        #expect(pending.reason == "CaptureStopped" && pending.type == .normal && pending.emitsEvent)
        #expect(pending.message == "pending capture cancelled: annotation removed before tcpdump ever started; no files to delete")
        #expect(pending.status == .remove)
        let earlier = notice(.stopped(reason: .annotationRemoved, exit: nil, filesDeleted: ["/capture/capture-web-1.pcap0.1"], ran: false))
        #expect(earlier.message == "pending capture cancelled: annotation removed before tcpdump ever started; deleted 1 file of an earlier run")
        let crashed = notice(.stopped(reason: .annotationRemoved, exit: nil, filesDeleted: [], ran: true))
        #expect(crashed.message == "capture stopped: annotation removed; no files to delete")
    }

    @Test func statusJSONEscapes() throws {
        let n = notice(.rejected(.invalidValue("a\"b\n", maxFiles: 5)))
        #expect(try status(n)["message"] as? String == #"invalid value "a\"b\u{a}" for tcpdump.antrea.io: expected an integer 1…5"#)
    }
}
