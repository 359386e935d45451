import Actors
@testable import Controller
import Testing

@Suite("MetricsReporter")
struct MetricsReporterTests {
    typealias F = ObservabilityFixtures
    typealias N = PodcapMetricNames

    private func scrape(_ metrics: MetricsReporter) throws -> PrometheusText { try PrometheusText(metrics.render()) }

    @Test func gaugesFollowTheLastReportOfEachPod() throws {
        let metrics = MetricsReporter()
        metrics.report(CaptureReport(pod: F.pod, change: .queued(position: 1)))
        metrics.report(CaptureReport(pod: F.other, change: .waiting(reason: "no container runs", retryIn: .seconds(2))))
        var text = try scrape(metrics)
        #expect(text.value(N.capturesQueued) == 1)
        #expect(text.value(N.capturesRunning) == 1, "a capture waiting to retry keeps its slot")

        metrics.report(F.started(attempt: 1))
        metrics.report(F.started(attempt: 1)) // a new report (other instant) for a running Pod
        text = try scrape(metrics)
        #expect(text.value(N.capturesQueued) == 0)
        #expect(text.value(N.capturesRunning) == 2)

        metrics.report(CaptureReport(pod: F.pod, change: .stopped(reason: .podGone, exit: nil, filesDeleted: [], ran: true)))
        metrics.report(CaptureReport(pod: F.other, change: .rejected(.tooManyFiles("500", maxFiles: 100))))
        text = try scrape(metrics)
        #expect(text.value(N.capturesRunning) == 0)
        #expect(text.value(N.capturesQueued) == 0)
        #expect(text.value(N.capturesStopped, ["reason": "PodGone"]) == 1)
        #expect(text.value(N.capturesRejected, ["reason": "TooManyFiles"]) == 1)
        #expect(text.value(N.packetsCaptured) == 0, "no statistics, nothing added")
    }

    @Test func aQueuedCaptureThatStopsLeavesTheQueue() throws {
        let metrics = MetricsReporter()
        metrics.report(CaptureReport(pod: F.pod, change: .queued(position: 1)))
        metrics.report(CaptureReport(pod: F.pod, change: .stopped(reason: .annotationRemoved, exit: nil, filesDeleted: [], ran: true)))
        let text = try scrape(metrics)
        #expect(text.value(N.capturesQueued) == 0)
        #expect(text.value(N.capturesRunning) == 0)
    }

    @Test func renderIsWellFormedExposition() {
        let text = MetricsReporter().render()
        #expect(text.hasSuffix("\n") && !text.hasSuffix("\n\n"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(!lines.contains(""), "no blank lines")
        for (index, line) in lines.enumerated() where line.hasPrefix("# TYPE ") {
            let name = line.split(separator: " ")[2]
            #expect(index > 0 && lines[index - 1].hasPrefix("# HELP \(name) "), "HELP precedes TYPE for \(name)")
        }
    }

    @Test func exactDuplicatesAreCountedOnce() throws {
        let metrics = MetricsReporter()
        let start = F.started(attempt: 1)
        let failure = CaptureReport(pod: F.pod, change: .failed(reason: "exit 1", retryIn: .seconds(1), attempt: 1))
        for report in [start, start, failure, failure] { metrics.report(report) }
        let text = try scrape(metrics)
        #expect(text.value(N.capturesStarted) == 1)
        #expect(text.value(N.capturesFailed) == 1)
    }

    @Test func everyKnownReasonStartsAtZero() throws {
        let text = try scrape(MetricsReporter())
        for reason in ["InvalidValue", "TooManyFiles", "FileNameConflict", "DiskBudgetExceeded"] {
            #expect(text.value(N.capturesRejected, ["reason": reason]) == 0)
        }
        for reason in ["AnnotationRemoved", "FileCountChanged", "PodGone", "Shutdown", "Cancelled"] {
            #expect(text.value(N.capturesStopped, ["reason": reason]) == 0)
        }
    }

    @Test func latencyUsesTheEarliestSightingAndSurvivesAFileCountChange() throws {
        let metrics = MetricsReporter()
        let t0 = ContinuousClock.now
        metrics.annotationSeen(uid: F.pod.uid, at: t0)
        metrics.annotationSeen(uid: F.pod.uid, at: t0 + .seconds(5)) // later sighting ignored
        metrics.report(F.started(attempt: 1, at: t0 + .seconds(2)))
        // The value changes: seen while the old capture runs, which then stops for the new one.
        metrics.annotationSeen(uid: F.pod.uid, at: t0 + .seconds(10))
        metrics.report(CaptureReport(pod: F.pod, change: .stopped(reason: .fileCountChanged, exit: nil, filesDeleted: [], ran: true),
                                     at: t0 + .seconds(10)))
        metrics.report(F.started(attempt: 1, at: t0 + .seconds(11)))
        let text = try scrape(metrics)
        #expect(text.value(N.captureStartLatency + "_count") == 2)
        #expect(text.value(N.captureStartLatency + "_sum") == 3)
    }

    @Test func instancesDoNotShareState() throws {
        let first = MetricsReporter()
        let second = MetricsReporter()
        first.report(F.started(attempt: 1))
        #expect(try scrape(first).value(N.capturesStarted) == 1)
        #expect(try scrape(second).value(N.capturesStarted) == 0)
    }

    @Test func podsWithTheSameNameShareOneSeries() throws {
        let metrics = MetricsReporter()
        let reborn = PodRef(namespace: F.pod.namespace, name: F.pod.name, uid: "uid-web-1-new")
        metrics.setDiskUsage(pod: F.pod, bytes: 100)
        metrics.setDiskUsage(pod: reborn, bytes: 50)
        let labels = ["namespace": F.pod.namespace, "pod": F.pod.name]
        #expect(try scrape(metrics).value(N.captureBytes, labels) == 150)
        metrics.removeDiskUsage(pod: F.pod)
        #expect(try scrape(metrics).value(N.captureBytes, labels) == 50)
        metrics.removeDiskUsage(pod: reborn)
        metrics.removeDiskUsage(pod: reborn) // unknown by now: ignored
        let text = try scrape(metrics)
        #expect(text.value(N.captureBytes, labels) == nil)
        #expect(text.value(N.captureBytesTotal) == 0)
    }

    @Test func concurrentReportsKeepTheGaugesConsistent() async throws {
        let metrics = MetricsReporter()
        await withTaskGroup(of: Void.self) { group in
            for index in 0..<200 {
                group.addTask {
                    let pod = PodRef(namespace: "ns", name: "p\(index)", uid: "u\(index)")
                    metrics.report(F.started(pod, attempt: 1))
                    if index.isMultiple(of: 2) {
                        metrics.report(CaptureReport(pod: pod, change: .stopped(reason: .shutdown, exit: nil, filesDeleted: [], ran: true)))
                    }
                }
            }
        }
        let text = try scrape(metrics)
        #expect(text.value(N.capturesRunning) == 100)
        #expect(text.value(N.capturesStarted) == 200)
        #expect(text.value(N.capturesStopped, ["reason": "Shutdown"]) == 100)
    }
}
