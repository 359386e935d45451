import Actors

/// A `CaptureReporter` that stamps each report with `CLOCK_MONOTONIC` the moment the Supervisor
/// hands it over, and queues it for the benchmark, which consumes the queue in order.
final class BenchReporter: CaptureReporter {
    enum Item: Sendable {
        case report(CaptureReport, nanos: UInt64)
        case timeout(id: Int)
        case controllerEnded(String)
    }

    let items: AsyncStream<Item>
    private let continuation: AsyncStream<Item>.Continuation

    init() { (items, continuation) = AsyncStream.makeStream(of: Item.self) }

    func report(_ report: CaptureReport) {
        continuation.yield(.report(report, nanos: BenchClock.nanos()))
    }

    func timeout(id: Int) { continuation.yield(.timeout(id: id)) }

    func controllerEnded(_ why: String) { continuation.yield(.controllerEnded(why)) }
}

/// The benchmark's end of a `BenchReporter`: waits for the next report that matters.
struct BenchReportQueue {
    private let reporter: BenchReporter
    private var iterator: AsyncStream<BenchReporter.Item>.AsyncIterator
    private var nextTimeoutID = 0

    init(_ reporter: BenchReporter) {
        self.reporter = reporter
        self.iterator = reporter.items.makeAsyncIterator()
    }

    /// The next report about `pod` that `decisive` accepts, with its arrival time; throws on
    /// timeout or when the controller stops.
    mutating func next(pod: String, timeout: Duration = .seconds(20),
                       where decisive: (CaptureReport.Change) -> Bool) async throws -> (CaptureReport, UInt64) {
        nextTimeoutID += 1
        let id = nextTimeoutID
        let reporter = self.reporter
        let timer = Task {
            try await Task.sleep(for: timeout)
            reporter.timeout(id: id)
        }
        defer { timer.cancel() }
        while let item = await iterator.next() {
            switch item {
            case .report(let report, let nanos):
                if report.pod.name == pod, decisive(report.change) { return (report, nanos) }
            case .timeout(let fired):
                if fired == id { throw BenchError("no decisive report about \(pod) within \(timeout)") }
            case .controllerEnded(let why):
                throw BenchError("the controller stopped: \(why)")
            }
        }
        throw BenchError("report stream ended")
    }
}
