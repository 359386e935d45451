import Actors
@testable import Controller
import Synchronization
import Testing

/// Issue 13, item 4: the status lists the files that exist, also after tcpdump rotated.
@Suite("Status file list refresh")
struct StatusRefresherTests {
    static let pod = PodRef(namespace: "default", name: "web-1", uid: "u1")
    static let files = ["/capture/capture-web-1.pcap0", "/capture/capture-web-1.pcap1", "/capture/capture-web-1.pcap2"]

    final class Disk: Sendable {
        let present = Mutex<Set<String>>([])
        let refreshed = Mutex<[CaptureReport]>([])
    }

    func started(attempt: Int = 1) -> CaptureReport {
        CaptureReport(pod: Self.pod, change: .started(pid: 9, container: .init(name: "app", containerID: "containerd://a"),
                                                       files: Self.files, attempt: attempt))
    }

    @Test func rewritesTheStatusOnlyWhenTheSetOfFilesChanged() {
        let disk = Disk()
        let refresher = StatusRefresher(exists: { path in disk.present.withLock { $0.contains(path) } },
                                        refresh: { report in disk.refreshed.withLock { $0.append(report) } })
        disk.present.withLock { $0 = [Self.files[0]] }
        refresher.report(started())
        refresher.refreshChanged()
        #expect(disk.refreshed.withLock { $0.isEmpty }, "the status written at start is still true")

        disk.present.withLock { _ = $0.insert(Self.files[1]) } // tcpdump rotated
        refresher.refreshChanged()
        #expect(disk.refreshed.withLock { $0.count } == 1)
        refresher.refreshChanged()
        #expect(disk.refreshed.withLock { $0.count } == 1, "once per change")

        refresher.report(CaptureReport(pod: Self.pod, change: .failed(reason: "tcpdump was killed by signal 9",
                                                                      retryIn: .seconds(1), attempt: 1)))
        disk.present.withLock { _ = $0.insert(Self.files[2]) }
        refresher.refreshChanged()
        #expect(disk.refreshed.withLock { $0.count } == 1, "a failed capture's status must not turn back into running")
    }
}
