import CaptureServing
import CaptureTransfer
import Foundation
import Glibc
import Synchronization
import TestSupport
import Testing

/// A temporary capture directory, removed even when a test fails.
final class TempCaptureDirectory {
    let path: String

    init() {
        var template = Array("/tmp/podcap-serving-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)) }
    }

    deinit {
        if let dir = opendir(path) {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
                if name != "." && name != ".." { unlink(path + "/" + name) }
            }
            closedir(dir)
        }
        rmdir(path)
    }

    func write(_ name: String, _ bytes: [UInt8]) {
        let fd = open(path + "/" + name, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    func listing(namespace: String = "default", pod: String = "web-0", names: [String]) -> CaptureListing {
        let paths = names.map { path + "/" + $0 }
        return CaptureListing(namespace: namespace, name: pod, uid: "u1", state: "capturing", files: paths, ring: paths)
    }
}

@Suite("The agent's serving side: export and follow")
struct ServingTests {
    @Test(arguments: ["../../etc/passwd", "/etc/passwd", "default/../x", "default/a/b", "default/", "/web-0", "Default/web-0",
                      "default/web_0", "-x/web-0", "default/" + String(repeating: "a", count: 254), "default/web-0\u{0}", "", "default"])
    func requestNamesThatAreNotPodsAreRefused(text: String) {
        #expect(throws: ServingError.invalidPodName(text)) { try CaptureRequestName(parsing: text) }
    }

    @Test func aListingNamingAnotherPodsFileIsRefused() throws {
        let dir = TempCaptureDirectory()
        let request = try CaptureRequestName(parsing: "default/web-0")
        #expect(throws: Never.self) { try ServedCapture(request: request, listing: dir.listing(names: ["capture-web-0.pcap0", "capture-web-0.pcap1.2"])) }
        for foreign in ["capture-web-1.pcap0", "capture-shop_web-0.pcap0", "passwd", "capture-web-0.pcap0.tmp", "../capture-web-0.pcap0"] {
            #expect(throws: ServingError.self) { try ServedCapture(request: request, listing: dir.listing(names: [foreign])) }
        }
        #expect(throws: ServingError.foreignFile(path: "/etc/capture-web-0.pcap0")) {
            try ServedCapture(request: request, listing: CaptureListing(
                namespace: "default", name: "web-0", uid: "u", state: "capturing",
                files: [dir.path + "/capture-web-0.pcap0", "/etc/capture-web-0.pcap0"], ring: []))
        }
        #expect(throws: ServingError.notCaptured(namespace: "default", name: "web-0")) {
            try ServedCapture(request: request, listing: dir.listing(namespace: "other", names: []))
        }
    }

    @Test func exportSendsWholeRecordsOnlyAndRefusesASymlinkWithOurName() throws {
        let dir = TempCaptureDirectory()
        var first = PcapBytes()
        first.addUDP(seconds: 1)
        first.addUDP(seconds: 2)
        let whole = first.bytes
        dir.write("capture-web-0.pcap0", whole + [0, 0, 0, 0, 9])
        dir.write("capture-web-0.pcap1", Array(whole.prefix(10)))
        let request = try CaptureRequestName(parsing: "default/web-0")
        let capture = try ServedCapture(request: request, listing: dir.listing(names: ["capture-web-0.pcap0", "capture-web-0.pcap1", "capture-web-0.pcap2"]))
        var fds: [Int32] = [0, 0]
        pipe(&fds)
        defer { close(fds[0]) }
        let result = try CaptureExporter(capture: capture).write(to: fds[1])
        close(fds[1])
        #expect(result.files == 2 && result.bytes == whole.count)
        var parser = ExportStreamParser()
        var received: [String: [UInt8]] = [:]
        var current = ""
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fds[0], $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            for event in try parser.feed(buffer[0..<n]) {
                if case .fileStart(let name, _) = event { current = name; received[name] = [] }
                if case .data(let data) = event { received[current]! += data }
            }
        }
        #expect(parser.isFinished)
        #expect(received == ["capture-web-0.pcap0": whole, "capture-web-0.pcap1": []])

        symlink("/etc/passwd", dir.path + "/capture-web-0.pcap2")
        var sink: [Int32] = [0, 0]
        pipe(&sink)
        defer { close(sink[0]); close(sink[1]) }
        _ = fcntl(sink[1], F_SETFL, O_NONBLOCK)
        #expect(throws: ServingError.foreignFile(path: dir.path + "/capture-web-0.pcap2")) {
            _ = try CaptureExporter(capture: capture).write(to: sink[1])
        }
    }

    /// tcpdump's rotation, played by hand: the follower joins live, follows the close of one file
    /// into the next (whose stale contents from an earlier lap of the ring it must not replay),
    /// and ends when the files are deleted.
    @Test func followStreamsAcrossARotationWithoutReplayingTheWrappedRing() async throws {
        let dir = TempCaptureDirectory()
        var history = PcapBytes()
        history.addUDP(seconds: 10)
        let current = open(dir.path + "/capture-web-0.pcap0", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        _ = history.bytes.withUnsafeBytes { write(current, $0.baseAddress, $0.count) }
        var stale = PcapBytes()
        stale.addUDP(seconds: 5)
        dir.write("capture-web-0.pcap1", stale.bytes)
        // The older lap's file must look older than the one being written.
        var times = [timespec(tv_sec: 1000, tv_nsec: 0), timespec(tv_sec: 1000, tv_nsec: 0)]
        utimensat(AT_FDCWD, dir.path + "/capture-web-0.pcap1", &times, 0)

        let request = try CaptureRequestName(parsing: "default/web-0")
        let capture = try ServedCapture(request: request, listing: dir.listing(names: ["capture-web-0.pcap0", "capture-web-0.pcap1"]))
        let follow = RunningFollower(capture)
        defer { follow.close() }
        let reader = follow.reader
        let header = try await offload { try reader.read(PcapFileHeader.size) }
        #expect(PcapFileHeader(header) != nil)

        var live = PcapBytes()
        live.addUDP(seconds: 20, payload: 40)
        let liveRecord = Array(live.bytes.dropFirst(PcapFileHeader.size))
        _ = liveRecord.withUnsafeBytes { write(current, $0.baseAddress, $0.count) }
        #expect(try await offload { try reader.read(liveRecord.count) } == liveRecord)

        close(current)  // tcpdump rotates: IN_CLOSE_WRITE, then the next ring name is truncated
        var next = PcapBytes()
        next.addUDP(seconds: 30, payload: 50)
        next.addUDP(seconds: 31, payload: 51)
        // tcpdump keeps the file it writes open: its close would be the next rotation.
        let writing = open(dir.path + "/capture-web-0.pcap1", O_WRONLY | O_TRUNC)
        defer { close(writing) }
        _ = next.bytes.withUnsafeBytes { write(writing, $0.baseAddress, $0.count) }
        let nextRecords = Array(next.bytes.dropFirst(PcapFileHeader.size))
        #expect(try await offload { try reader.read(nextRecords.count) } == nextRecords)

        unlink(dir.path + "/capture-web-0.pcap1")
        let error = try await follow.end()
        guard case .captureEnded = error else {
            Issue.record("follow ended with \(String(describing: error))")
            return
        }
        #expect(error?.exitCode == 0)
    }

    @Test func followEndsWhenItsStandardInputCloses() async throws {
        let dir = TempCaptureDirectory()
        dir.write("capture-web-0.pcap", PcapBytes().bytes)
        let request = try CaptureRequestName(parsing: "default/web-0")
        let capture = try ServedCapture(request: request, listing: dir.listing(names: ["capture-web-0.pcap"]))
        let follow = RunningFollower(capture)
        defer { follow.close() }
        let reader = follow.reader
        _ = try await offload { try reader.read(PcapFileHeader.size) }
        follow.hangUp()
        #expect(try await follow.end() == .readerGone)
    }
}

/// A `CaptureFollower` on a Dispatch thread, writing into a pipe, with its stdin on another.
final class RunningFollower: Sendable {
    let reader: PipeReader
    private let fds: [Int32]
    private let ended = DispatchSemaphore(value: 0)
    private let outcome = Outcome()
    private let hungUp = Atomic(false)

    init(_ capture: ServedCapture) {
        var output: [Int32] = [0, 0], hangup: [Int32] = [0, 0]
        pipe(&output)
        pipe(&hangup)
        fds = output + hangup
        reader = PipeReader(fd: output[0])
        let (writeEnd, hangupEnd, ended, outcome) = (output[1], hangup[0], ended, outcome)
        DispatchQueue.global().async {
            do throws(ServingError) {
                try CaptureFollower(capture: capture, endpoint: nil, output: writeEnd, hangup: hangupEnd).run()
            } catch {
                outcome.set(error)
            }
            ended.signal()
        }
    }

    /// Closes the follower's stdin, as `kubectl exec -i` does when its client goes away.
    func hangUp() {
        if !hungUp.exchange(true, ordering: .relaxed) { Glibc.close(fds[3]) }
    }

    /// Waits (10 s at most) for the follower to end and returns why it ended.
    func end() async throws -> ServingError? {
        let ended = ended
        #expect(try await offload { ended.wait(timeout: .now() + 10) } == .success)
        return outcome.error
    }

    /// Closes the pipes (the stdin write end only if `hangUp` did not).
    func close() {
        for fd in fds.prefix(3) { Glibc.close(fd) }
        hangUp()
    }
}

/// Where the follower's thread leaves its error.
final class Outcome: @unchecked Sendable {  // guarded by `lock`; written once before the semaphore signals
    private let lock = NSLock()
    private var stored: ServingError?
    func set(_ error: ServingError) { lock.withLock { stored = error } }
    var error: ServingError? { lock.withLock { stored } }
}

/// Reads exactly n bytes from a pipe, failing after 10 s instead of hanging the suite.
struct PipeReader {
    let fd: Int32
    struct Timeout: Error {}

    func read(_ count: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: count)
        while out.count < count {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 10_000) == 1 else { throw Timeout() }
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, count - out.count) }
            guard n > 0 else { throw Timeout() }
            out += buffer[0..<n]
        }
        return out
    }
}
