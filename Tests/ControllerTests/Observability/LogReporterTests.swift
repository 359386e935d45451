import Actors
@testable import Controller
import Foundation
import Logging
import ServiceLifecycle
import Testing

@Suite("LogReporter")
struct LogReporterTests {
    typealias F = ObservabilityFixtures

    private func parse(_ lines: [String]) throws -> [[String: Any]] {
        try lines.map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
        }
    }

    @Test func everyReportBecomesOneJSONLineAboutItsPod() async throws {
        let lines = LineCollector()
        var logger = Logger(label: "podcap.capture") { label in
            JSONLogHandler(label: label, metadataProvider: nil, sink: lines.append)
        }
        logger.logLevel = .debug
        let reporter = LogReporter(logger: logger, capacity: 64)
        let group = ServiceGroup(configuration: .init(services: [reporter], logger: F.quiet))
        let exit = CaptureExit(status: .signaled(15), statistics: F.statistics)
        let reports: [CaptureReport] = [
            CaptureReport(pod: F.pod, change: .queued(position: 2)),
            CaptureReport(pod: F.pod, change: .waiting(reason: "no container runs", retryIn: .milliseconds(1500))),
            CaptureReport(pod: F.pod, change: .waiting(reason: "no container runs", retryIn: .seconds(3))),
            F.started(attempt: 1),
            CaptureReport(pod: F.pod, change: .failed(reason: "tcpdump exited with status 1", retryIn: .seconds(1), attempt: 1)),
            F.started(attempt: 2),
            CaptureReport(pod: F.pod, change: .stopped(reason: .annotationRemoved, exit: exit, filesDeleted: ["/capture/a"], ran: true)),
            CaptureReport(pod: F.other, change: .rejected(.invalidValue("abc", maxFiles: 100))),
        ]
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            for report in reports { reporter.report(report) }
            // Graceful shutdown drains what is buffered before `run()` returns.
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }

        let json = try parse(lines.lines)
        try #require(json.count == reports.count)
        for (object, report) in zip(json, reports) {
            #expect(object["namespace"] as? String == report.pod.namespace)
            #expect(object["pod"] as? String == report.pod.name)
            #expect(object["uid"] as? String == report.pod.uid)
        }
        #expect(json.map { $0["level"] as? String } == ["info", "info", "debug", "info", "warning", "info", "info", "warning"])
        #expect(json.map { $0["event"] as? String }
                == ["queued", "waiting", "waiting", "started", "failed", "started", "stopped", "rejected"])
        #expect(json[0]["position"] as? String == "2")
        #expect(json[1]["retry_in"] as? String == "1.5s")
        #expect(json[3]["container"] as? String == "app")
        #expect(json[3]["files"] as? [String] == ["/capture/web-1-1.pcap"])
        #expect(json[5]["message"] as? String == "capture restarted")
        #expect(json[6]["packets_captured"] as? String == "42")
        #expect(json[6]["packets_dropped"] as? String == "3")
        #expect(json[6]["reason"] as? String == "annotationRemoved")
        #expect(json[7]["reason"] as? String == "InvalidValue")
        #expect((json[7]["message"] as? String)?.contains("invalid value \"abc\"") == true)
    }

    @Test func reportsAfterShutdownAreStillLogged() async throws {
        let lines = LineCollector()
        let logger = Logger(label: "podcap.capture") { label in
            JSONLogHandler(label: label, metadataProvider: nil, sink: lines.append)
        }
        let reporter = LogReporter(logger: logger, capacity: 4)
        let group = ServiceGroup(configuration: .init(services: [reporter], logger: F.quiet))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
        reporter.report(CaptureReport(pod: F.pod, change: .stopped(reason: .shutdown, exit: nil, filesDeleted: [], ran: true)))
        #expect(lines.lines.count == 1)
        #expect(reporter.dropped == 0)
    }

    @Test func aFullBufferDropsAndCountsInsteadOfBlocking() {
        let reporter = LogReporter(logger: F.quiet, capacity: 2)
        for _ in 0..<5 { reporter.report(F.started(attempt: 1)) }
        #expect(reporter.dropped == 3)
    }

    @Test func retryDelaysUseTheSharedDurationFormat() {
        let report = CaptureReport(pod: F.pod, change: .failed(reason: "x", retryIn: .nanoseconds(1_065_602_234), attempt: 1))
        let lines = LineCollector()
        let logger = Logger(label: "podcap.capture") { label in JSONLogHandler(label: label, metadataProvider: nil, sink: lines.append) }
        LogReporter(logger: logger).log(report, repeatedWait: false)
        #expect(lines.lines.first?.contains(#""retry_in":"1.07s""#) == true, "\(lines.lines)")
    }
}
