import CaptureTransfer
import Glibc
import NodeRuntime

/// `podcap follow`: the live capture of one Pod as one pcap stream, across tcpdump's rotations.
///
/// tcpdump (`-C`/`-W`) closes the current file and opens the next ring name; inotify says when:
/// `IN_CLOSE_WRITE` on the file being read means drain it and move on, and the next file is
/// read only once tcpdump has written to it (`IN_CREATE`/`IN_MODIFY`), so a ring that wrapped
/// never replays the old contents of the name it reuses. Only whole records are written, the
/// file header once: a reader (`tcpdump -r -`, `wireshark -k -i -`) sees one pcap file.
public struct CaptureFollower: Sendable {
    public var capture: ServedCapture
    /// Asked again when a restart of the capture starts a new ring.
    public var endpoint: AgentEndpoint?
    /// Where the stream goes (standard output).
    public var output: Int32
    /// Ends the stream when this descriptor reaches end of file: `kubectl exec -i` closes the
    /// command's standard input when the client goes away, and a follower writing nothing
    /// (no traffic) would otherwise never notice.
    public var hangup: Int32?
    /// Start with the packets already in the current file instead of the next one captured.
    public var fromStart: Bool

    public init(capture: ServedCapture, endpoint: AgentEndpoint?, output: Int32, hangup: Int32?, fromStart: Bool = false) {
        self.capture = capture
        self.endpoint = endpoint
        self.output = output
        self.hangup = hangup
        self.fromStart = fromStart
    }

    private struct Reading {
        var path: String
        var fd: Int32
        var position: Int
    }

    private enum State {
        /// Waiting for tcpdump to write one of these names (bare file names); none: any ring
        /// name of this capture (a new run).
        case waiting(Set<String>)
        case reading(Reading)
    }

    /// Streams until the capture ends, the reader goes away or `hangup` closes; the reason is
    /// the error (its `exitCode` is 0 for those).
    public func run() throws(ServingError) -> Never {
        let inotify = inotify_init1(Int32(IN_CLOEXEC | IN_NONBLOCK))
        guard inotify >= 0 else { throw .unreadable(path: capture.directory, reason: String(cString: strerror(errno))) }
        defer { close(inotify) }
        let mask = UInt32(IN_MODIFY | IN_CLOSE_WRITE | IN_CREATE | IN_DELETE | IN_MOVED_FROM)
        guard inotify_add_watch(inotify, capture.directory, mask) >= 0 else {
            throw .unreadable(path: capture.directory, reason: String(cString: strerror(errno)))
        }
        var ring = capture.listing.ring
        var streamHeader: PcapFileHeader?
        var state = State.waiting(Set(ring.map(Self.baseName)))
        // Joining live skips what the file being written already holds; a capture with no file
        // yet has no history to skip.
        var live = false
        // The file being written now is the ring file changed last.
        if let newest = ring.compactMap({ path in ServedCapture.stamp(path).map { (path, $0.modified) } })
            .max(by: { $0.1 < $1.1 })?.0, let fd = try ServedCapture.open(newest) {
            state = .reading(Reading(path: newest, fd: fd, position: 0))
            live = !fromStart
        }
        defer { if case .reading(let r) = state { close(r.fd) } }
        var events = [UInt8](repeating: 0, count: 65_536)
        while true {
            if case .reading(var reading) = state {
                try pump(&reading, header: &streamHeader, live: &live)
                state = .reading(reading)
            }
            var fds = [pollfd(fd: inotify, events: Int16(POLLIN), revents: 0)]
            if let hangup { fds.append(pollfd(fd: hangup, events: Int16(POLLIN), revents: 0)) }
            let ready = poll(&fds, nfds_t(fds.count), 1000)
            if ready < 0 && errno != EINTR { throw .unreadable(path: capture.directory, reason: String(cString: strerror(errno))) }
            if fds.count > 1, fds[1].revents != 0 {
                var byte: UInt8 = 0
                if read(fds[1].fd, &byte, 1) <= 0 { throw .readerGone }
            }
            guard fds[0].revents != 0 else { continue }
            let n = events.withUnsafeMutableBytes { read(inotify, $0.baseAddress, $0.count) }
            guard n > 0 else { continue }
            var offset = 0
            while offset + 16 <= n {
                let eventMask = UInt32(events[offset + 4]) | UInt32(events[offset + 5]) << 8
                    | UInt32(events[offset + 6]) << 16 | UInt32(events[offset + 7]) << 24
                let length = Int(UInt32(events[offset + 12]) | UInt32(events[offset + 13]) << 8
                    | UInt32(events[offset + 14]) << 16 | UInt32(events[offset + 15]) << 24)
                let nameBytes = events[(offset + 16)..<min(n, offset + 16 + length)].prefix { $0 != 0 }
                let name = String(decoding: nameBytes, as: UTF8.self)
                offset += 16 + length
                if eventMask & UInt32(IN_DELETE) != 0, isRingName(name) {
                    // Between files too: the capture stopped and its files are going.
                    if case .reading(var reading) = state { try? pump(&reading, header: &streamHeader, live: &live) }
                    throw .captureEnded("\(capture.request.namespace)/\(capture.request.name)'s files were deleted (the capture stopped)")
                }
                // Each event is handled against the state the ones before it left, at once: one
                // batch can hold several rotations (a burst fills 1 MB in milliseconds), and
                // the next file's writes come after the current one's close.
                switch state {
                case .reading(var reading) where name == Self.baseName(reading.path):
                    if eventMask & UInt32(IN_CLOSE_WRITE) != 0 {
                        // tcpdump rotated: what is left of this file, then the next ring name.
                        try pump(&reading, header: &streamHeader, live: &live)
                        close(reading.fd)
                        let index = ring.firstIndex(of: reading.path) ?? -1
                        let next = ring.isEmpty ? reading.path : ring[(index + 1) % ring.count]
                        state = .waiting([Self.baseName(next)])
                    } else if eventMask & UInt32(IN_MOVED_FROM) != 0 {
                        // A new run keeps this run's files under segment names and starts a new ring.
                        try pump(&reading, header: &streamHeader, live: &live)
                        close(reading.fd)
                        state = .waiting([])
                    }
                case .waiting(let names) where eventMask & UInt32(IN_CREATE | IN_MODIFY) != 0:
                    let isNext = names.contains(name)
                    let isNewRun = names.isEmpty && isRingName(name)
                    guard isNext || isNewRun, let fd = try ServedCapture.open(capture.directory + "/" + name) else { continue }
                    if isNewRun, let endpoint, let listing = try? endpoint.listing(for: capture.request) {
                        ring = (try? ServedCapture(request: capture.request, listing: listing))?.listing.ring ?? ring
                    }
                    state = .reading(Reading(path: capture.directory + "/" + name, fd: fd, position: 0))
                default:
                    continue
                }
            }
        }
    }

    /// Writes the whole records appended to `reading`'s file since the last call.
    private func pump(_ reading: inout Reading, header streamHeader: inout PcapFileHeader?, live: inout Bool) throws(ServingError) {
        if reading.position == 0 {
            guard let first = FileDescriptorIO.readToEnd(reading.fd, from: 0, limit: PcapFileHeader.size),
                  let header = PcapFileHeader(Array(first.prefix(PcapFileHeader.size))) else { return }
            if let streamHeader {
                guard streamHeader.canContinue(with: header) else {
                    throw .captureEnded("the capture's link type or snapshot length changed (its options changed); follow again")
                }
            } else {
                guard FileDescriptorIO.writeAll(output, first[0..<PcapFileHeader.size]) else { throw .readerGone }
                streamHeader = header
            }
            reading.position = PcapFileHeader.size
        }
        guard let header = streamHeader else { return }
        var info = stat()
        if fstat(reading.fd, &info) == 0, Int(info.st_size) < reading.position {
            // The ring wrapped past this reader and the name was reused: its records start again.
            reading.position = PcapFileHeader.size
        }
        // Only what was appended since the last call is read: records start at its first byte.
        guard let tail = FileDescriptorIO.readToEnd(reading.fd, from: reading.position) else {
            throw .unreadable(path: reading.path, reason: String(cString: strerror(errno)))
        }
        let complete = PcapRecordScanner(header: header).scan(tail, from: 0, collect: false).completeLength
        if live {
            // The first file is joined live: what it already holds is history, not stream.
            live = false
        } else if complete > 0 {
            guard FileDescriptorIO.writeAll(output, tail[0..<complete]) else { throw .readerGone }
        }
        reading.position += complete
    }

    private func isRingName(_ name: String) -> Bool {
        guard let parsed = CaptureFileName(name) else { return false }
        return parsed.segment == nil && parsed.pod == capture.request.name
            && (parsed.namespace == nil || parsed.namespace == capture.request.namespace)
    }

    private static func baseName(_ path: String) -> String {
        String(path.split(separator: "/").last ?? "")
    }
}
