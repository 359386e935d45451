import Foundation
import Glibc
import Synchronization

/// Kernel process events (fork, exec, exit) from the netlink proc connector, stamped by the
/// kernel with `CLOCK_MONOTONIC`: when tcpdump's process came to exist, when it exec'd, when it
/// exited, observed without polling `/proc`.
///
/// Needs root in the initial network namespace; `start()` returns `nil` where it is unavailable and
/// the benchmark then omits those columns.
final class BenchProcEvents: Sendable {
    /// What the kernel said about one process, in `CLOCK_MONOTONIC` nanoseconds.
    struct Record: Sendable {
        var fork: UInt64?
        var execs: [UInt64] = []
        var exit: UInt64?
    }

    private let fd: Int32
    private let records = Mutex([Int32: Record]())
    private let stopping = Atomic<Bool>(false)
    private let stopped = Mutex<CheckedContinuation<Void, Never>?>(nil)
    private let finished = Atomic<Bool>(false)

    // linux/netlink.h, linux/connector.h, linux/cn_proc.h
    private static let netlinkConnector: Int32 = 11
    private static let cnIdxProc: UInt32 = 1
    private static let cnValProc: UInt32 = 1
    private static let mcastListen: UInt32 = 1
    private static let mcastIgnore: UInt32 = 2
    private static let eventFork: UInt32 = 0x1
    private static let eventExec: UInt32 = 0x2
    private static let eventExit: UInt32 = 0x8000_0000
    /// nlmsghdr (16) + cn_msg header (20): where `struct proc_event` begins.
    private static let eventOffset = 36

    private init(fd: Int32) { self.fd = fd }

    /// Subscribes and starts the reader thread, or `nil` with the reason printed.
    static func start() -> BenchProcEvents? {
        let fd = socket(AF_NETLINK, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), netlinkConnector)
        guard fd >= 0 else {
            print("note: proc connector unavailable (socket: \(String(cString: strerror(errno)))); spawn/exec/exit columns omitted")
            return nil
        }
        var address = NetlinkAddress(family: sa_family_t(AF_NETLINK), pad: 0, pid: 0, groups: cnIdxProc)
        var timeout: (Int, Int) = (0, 200_000) // struct timeval: 200 ms, so the reader notices stop()
        var buffer: Int32 = 8 << 20
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<(Int, Int)>.size))
        setsockopt(fd, SOL_SOCKET, 33 /* SO_RCVBUFFORCE */, &buffer, socklen_t(MemoryLayout<Int32>.size))
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<NetlinkAddress>.size)) }
        }
        guard bound == 0, control(fd: fd, operation: mcastListen) else {
            print("note: proc connector unavailable (\(String(cString: strerror(errno)))); spawn/exec/exit columns omitted")
            close(fd)
            return nil
        }
        let events = BenchProcEvents(fd: fd)
        Thread.detachNewThread { events.readLoop() }
        return events
    }

    /// Sends PROC_CN_MCAST_LISTEN or _IGNORE.
    private static func control(fd: Int32, operation: UInt32) -> Bool {
        var message = [UInt8]()
        func put32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { message.append(contentsOf: $0) } }
        func put16(_ v: UInt16) { withUnsafeBytes(of: v.littleEndian) { message.append(contentsOf: $0) } }
        put32(UInt32(eventOffset + 4)); put16(3 /* NLMSG_DONE */); put16(0); put32(0); put32(UInt32(getpid()))
        put32(cnIdxProc); put32(cnValProc); put32(0); put32(0); put16(4); put16(0)
        put32(operation)
        return message.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, 0) } == message.count
    }

    private func readLoop() {
        var buffer = [UInt8](repeating: 0, count: 16 << 10)
        while !stopping.load(ordering: .acquiring) {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n <= 0 { continue } // timeout (checks `stopping`), EINTR, or ENOBUFS after an overrun
            buffer.withUnsafeBytes { parse(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
        _ = Self.control(fd: fd, operation: Self.mcastIgnore)
        close(fd)
        finished.store(true, ordering: .releasing)
        stopped.withLock { $0.take() }?.resume()
    }

    private func parse(_ bytes: UnsafeRawBufferPointer) {
        var offset = 0
        while offset + Self.eventOffset + 24 <= bytes.count {
            let length = Int(bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
            guard length >= 16 else { return }
            let event = offset + Self.eventOffset
            let what = bytes.loadUnaligned(fromByteOffset: event, as: UInt32.self)
            let stamp = bytes.loadUnaligned(fromByteOffset: event + 8, as: UInt64.self)
            let data = event + 16
            switch what {
            case Self.eventFork:
                let childPID = bytes.loadUnaligned(fromByteOffset: data + 8, as: Int32.self)
                let childTGID = bytes.loadUnaligned(fromByteOffset: data + 12, as: Int32.self)
                if childPID == childTGID { records.withLock { $0[childPID] = Record(fork: stamp) } }
            case Self.eventExec:
                let pid = bytes.loadUnaligned(fromByteOffset: data, as: Int32.self)
                records.withLock { $0[pid, default: Record()].execs.append(stamp) }
            case Self.eventExit:
                let pid = bytes.loadUnaligned(fromByteOffset: data, as: Int32.self)
                let tgid = bytes.loadUnaligned(fromByteOffset: data + 4, as: Int32.self)
                if pid == tgid { records.withLock { $0[pid, default: Record()].exit = stamp } }
            default:
                break
            }
            offset += (length + 3) & ~3
        }
    }

    /// Forgets everything seen so far (call before each measured step; the node is busy).
    func reset() { records.withLock { $0.removeAll(keepingCapacity: true) } }

    func record(of pid: Int32) -> Record? { records.withLock { $0[pid] } }

    /// Waits up to `timeout` for the kernel's exit event of `pid` (it may trail the reap by a little).
    func exitTime(of pid: Int32, timeout: Duration = .milliseconds(500)) async -> UInt64? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let exit = record(of: pid)?.exit { return exit }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return nil
    }

    /// Unsubscribes and closes the socket; returns once the reader thread has finished.
    func stop() async {
        stopping.store(true, ordering: .releasing)
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = stopped.withLock { slot -> Bool in
                if finished.load(ordering: .acquiring) { return true }
                slot = continuation
                return false
            }
            if done { continuation.resume() }
        }
    }
}

/// `struct sockaddr_nl` (linux/netlink.h), declared here so no kernel header is needed.
private struct NetlinkAddress {
    var family: sa_family_t
    var pad: UInt16
    var pid: UInt32
    var groups: UInt32
}
