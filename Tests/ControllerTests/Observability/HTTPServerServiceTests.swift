import Actors
import Controller
import Testing

@Suite("HTTP endpoint")
struct HTTPServerServiceTests {
    typealias F = ObservabilityFixtures

    @Test func healthzAnswersWhileTheProcessRuns() async throws {
        try await F.withServer(metrics: MetricsReporter(), isReady: { false }) { port in
            let answer = try await HTTPProbe.get(port: port, "/healthz")
            #expect(answer.status == 200)
            #expect(answer.body == "ok\n")
        }
    }

    @Test func readyzFollowsTheReadinessClosure() async throws {
        let ready = ReadyFlag()
        try await F.withServer(metrics: MetricsReporter(), isReady: { ready.isSet }) { port in
            let before = try await HTTPProbe.get(port: port, "/readyz")
            #expect(before.status == 503)
            #expect(before.body.contains("not synced"))
            ready.set()
            let after = try await HTTPProbe.get(port: port, "/readyz")
            #expect(after.status == 200)
        }
    }

    @Test func unknownPathIs404() async throws {
        try await F.withServer(metrics: MetricsReporter(), isReady: { true }) { port in
            let answer = try await HTTPProbe.get(port: port, "/nope")
            #expect(answer.status == 404)
        }
    }

    @Test func metricsChangeAsCapturesRun() async throws {
        let metrics = MetricsReporter()
        typealias N = PodcapMetricNames
        try await F.withServer(metrics: metrics, isReady: { true }) { port in
            func scrape() async throws -> PrometheusText {
                let answer = try await HTTPProbe.get(port: port, "/metrics")
                #expect(answer.status == 200)
                #expect(answer.contentType?.hasPrefix("text/plain; version=0.0.4") == true)
                return try PrometheusText(answer.body)
            }

            let initial = try await scrape()
            for name in N.all where name != N.captureBytes {
                #expect(initial.declares(name), "\(name) missing before any capture")
                #expect(initial.help[name] != nil, "\(name) has no HELP line")
            }
            #expect(initial.value(N.capturesRunning) == 0)
            #expect(initial.value(N.capturesRejected, ["reason": "InvalidValue"]) == 0)
            #expect(initial.value(N.captureStartLatency + "_count") == 0)

            let seen = ContinuousClock.now
            metrics.annotationSeen(uid: F.pod.uid, at: seen)
            metrics.report(CaptureReport(pod: F.pod, change: .queued(position: 1), at: seen))
            let queued = try await scrape()
            #expect(queued.value(N.capturesQueued) == 1)
            #expect(queued.value(N.capturesRunning) == 0)

            metrics.report(F.started(attempt: 1, at: seen + .milliseconds(300)))
            let started = try await scrape()
            #expect(started.value(N.capturesQueued) == 0)
            #expect(started.value(N.capturesRunning) == 1)
            #expect(started.value(N.capturesStarted) == 1)
            #expect(started.value(N.captureStartLatency + "_count") == 1)
            let latency = try #require(started.value(N.captureStartLatency + "_sum"))
            #expect(abs(latency - 0.3) < 0.001)
            #expect(started.value(N.captureStartLatency + "_bucket", ["le": "0.25"]) == 0)
            #expect(started.value(N.captureStartLatency + "_bucket", ["le": "0.5"]) == 1)

            metrics.report(CaptureReport(pod: F.pod, change: .failed(reason: "tcpdump exited with status 1",
                                                                     retryIn: .seconds(1), attempt: 1)))
            metrics.report(F.started(attempt: 2))
            metrics.setDiskUsage(pod: F.pod, bytes: 1_000)
            metrics.setDiskUsage(pod: F.other, bytes: 24)
            metrics.recordWatch(reconnects: 2, relists: 1, decodeErrors: 3)
            let restarted = try await scrape()
            #expect(restarted.value(N.capturesFailed) == 1)
            #expect(restarted.value(N.capturesStarted) == 2)
            #expect(restarted.value(N.captureRestarts) == 1)
            #expect(restarted.value(N.capturesRunning) == 1)
            #expect(restarted.value(N.captureStartLatency + "_count") == 1, "only the first attempt is timed")
            #expect(restarted.value(N.captureBytes, ["namespace": "team-a", "pod": "web-1"]) == 1_000)
            #expect(restarted.value(N.captureBytesTotal) == 1_024)
            #expect(restarted.value(N.watchReconnects) == 2)
            #expect(restarted.value(N.watchRelists) == 1)
            #expect(restarted.value(N.watchDecodeErrors) == 3)
            for name in N.all { #expect(restarted.declares(name), "\(name) missing") }

            let stop = CaptureReport(pod: F.pod, change: .stopped(
                reason: .annotationRemoved, exit: CaptureExit(status: .signaled(15), statistics: F.statistics),
                filesDeleted: ["/capture/web-1-1.pcap"], ran: true))
            metrics.report(stop)
            metrics.report(stop) // delivered twice: counted once
            metrics.removeDiskUsage(pod: F.pod)
            metrics.report(CaptureReport(pod: F.other, change: .rejected(.invalidValue("abc", maxFiles: 100))))
            let stopped = try await scrape()
            #expect(stopped.value(N.capturesRunning) == 0)
            #expect(stopped.value(N.capturesStopped, ["reason": "AnnotationRemoved"]) == 1)
            #expect(stopped.value(N.packetsCaptured) == 42)
            #expect(stopped.value(N.packetsDropped) == 3)
            #expect(stopped.value(N.capturesRejected, ["reason": "InvalidValue"]) == 1)
            #expect(stopped.value(N.captureBytes, ["namespace": "team-a", "pod": "web-1"]) == nil)
            #expect(stopped.value(N.captureBytesTotal) == 24)
        }
    }
}
