import Actors
import Glibc

/// A running tcpdump, owned by one `CaptureActor`.
///
/// Every member is an immutable reference to thread-safe state: the exit record the
/// supervising task delivers once, and the command stream into that task.
public struct TcpdumpProcess: CaptureProcess {
    public let pid: Int32
    public let container: CaptureTarget.Container
    public let files: [String]
    private let commands: AsyncStream<ChildCommand>.Continuation
    private let exit: OneShot<CaptureExit>
    private let containerWatch: ContainerExitWatch?
    private let liveStatistics: LiveStatistics?
    /// How long the kernel may hold a packet in a ring block before tcpdump sees it; `nil`
    /// in immediate mode.
    private let blockTimeout: Duration?

    /// tcpdump's own `pcap_set_timeout` (1000 ms), which libpcap makes the TPACKET_V3 block
    /// retire timeout; a margin for the timer and tcpdump's write on top.
    static let blockDeliveryWait: Duration = .milliseconds(1_100)

    init(pid: Int32, container: CaptureTarget.Container, files: [String],
         commands: AsyncStream<ChildCommand>.Continuation, exit: OneShot<CaptureExit>, containerWatch: ContainerExitWatch? = nil,
         statistics: LiveStatistics? = nil, blockTimeout: Duration? = nil) {
        self.blockTimeout = blockTimeout
        self.pid = pid
        self.container = container
        self.files = files
        self.commands = commands
        self.exit = exit
        self.containerWatch = containerWatch
        self.liveStatistics = statistics
    }

    /// SIGUSR1, then the counters tcpdump prints for it; `nil` if it has not answered within
    /// a second (it is busy exiting, or it is not tcpdump).
    public func statistics() async -> CaptureStatistics? {
        guard let liveStatistics else { return nil }
        let before = liveStatistics.generation
        commands.yield(.requestStatistics)
        return await withTaskGroup(of: CaptureStatistics?.self) { group in
            group.addTask { await liveStatistics.next(after: before) }
            group.addTask {
                try? await Task.sleep(for: .seconds(1))
                return nil
            }
            defer { group.cancelAll() }
            return await group.next() ?? nil
        }
    }

    public func containerEnded() async -> ContainerEnd? {
        guard let containerWatch else {
            await suspendUntilCancelled()
            return nil
        }
        return await containerWatch.wait()
    }

    public func waitForExit() async -> CaptureExit? {
        await exit.valueUnlessCancelled()
    }

    public func terminate(grace: Duration) async -> CaptureExit {
        await withTaskCancellationHandler {
            commands.yield(.terminate(grace: grace))
            return await exit.value
        } onCancel: {
            // A cancelled stop must still finish promptly: skip the rest of the grace period.
            commands.yield(.kill)
        }
    }

    /// tcpdump reads its kernel ring until no frame is ready, then blocks in `poll(2)`; seen
    /// blocked there twice in a row (1 ms apart, the file size unchanged), it has written
    /// everything the kernel had handed it. Bounded by `limit`; nothing is signalled.
    ///
    /// In block delivery the kernel hands a partly filled block over only when its timer
    /// retires it, and a block still in the kernel when tcpdump is signalled is lost: so the
    /// drain first waits out one block timeout. No event says when the kernel retired it.
    public func drain() async {
        if let blockTimeout {
            guard (try? await Task.sleep(for: blockTimeout)) != nil else { return }
        }
        await drain(limit: .milliseconds(250))
    }

    func drain(limit: Duration) async {
        let deadline = ContinuousClock.now + limit
        var idle = 0
        var last = bytesOnDisk()
        while ContinuousClock.now < deadline {
            // No event says when tcpdump has emptied its ring; /proc shows where it waits.
            try? await Task.sleep(for: .milliseconds(1))
            let now = bytesOnDisk()
            idle = Self.isWaitingForPackets(pid: pid) && now == last ? idle + 1 : 0
            if idle >= 2 { return }
            last = now
        }
    }

    /// `poll`/`ppoll` numbers in `/proc/<pid>/syscall`, which names the system call a blocked
    /// task is in (`running` when it runs).
    #if arch(x86_64)
    static let waitSyscalls: Set<Int> = [7, 271]
    #elseif arch(arm64)
    static let waitSyscalls: Set<Int> = [73]
    #else
    static let waitSyscalls: Set<Int> = []
    #endif

    static func isWaitingForPackets(pid: Int32) -> Bool {
        let fd = open("/proc/\(pid)/syscall", O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var buffer = [UInt8](repeating: 0, count: 32)
        let n = read(fd, &buffer, buffer.count)
        guard n > 0 else { return false }
        let number = buffer[..<n].prefix { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\n") }
        return Int(String(decoding: number, as: UTF8.self)).map(waitSyscalls.contains) ?? false
    }

    private func bytesOnDisk() -> Int64 {
        files.reduce(0) { $0 + (CaptureFiles.size(of: $1) ?? 0) }
    }

    public func kill() async -> CaptureExit {
        commands.yield(.kill)
        return await exit.value
    }
}
