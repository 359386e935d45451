import Glibc

/// Packet generators that run entirely in-process: sockets created inside a sandbox Pod's
/// network namespace, so no `ping`/`nc` binary is needed and no shell is involved.
public enum Traffic {
    /// Sends `count` UDP datagrams of `payloadSize` bytes from `source` to `destination`.
    ///
    /// `burst` datagrams go out back to back, then the sender yields for `pause`, so a
    /// tcpdump writing every packet (`-U`) keeps up. Returns the number the kernel accepted.
    public static func sendUDP(from source: SandboxPod, to destination: SandboxPod, port: UInt16 = 9_999,
                               count: Int, payloadSize: Int = 64, burst: Int = 50,
                               pause: Duration = .milliseconds(2)) async throws(SandboxError) -> Int {
        let fd = try udpSocket(in: source)
        defer { close(fd) }
        var address = try socketAddress(destination.ipv4, port: port)
        let payload = [UInt8](repeating: 0x5A, count: payloadSize)
        var sent = 0
        for index in 0..<count {
            if send(fd, payload, to: &address) { sent += 1 }
            if (index + 1) % burst == 0 { try? await Task.sleep(for: pause) }
        }
        return sent
    }

    /// Sends UDP datagrams of `payloadSize` bytes from `source` to `destination` at
    /// `packetsPerSecond`, evenly paced against the monotonic clock (at most ~0.5 ms ahead),
    /// for `duration`. Returns how many the kernel accepted.
    public static func sendUDP(from source: SandboxPod, to destination: SandboxPod, port: UInt16 = 9_999,
                               packetsPerSecond: Int, duration: Duration, payloadSize: Int = 100) async throws(SandboxError) -> Int {
        let fd = try udpSocket(in: source)
        defer { close(fd) }
        var address = try socketAddress(destination.ipv4, port: port)
        let payload = [UInt8](repeating: 0x5A, count: payloadSize)
        let total = Int(Double(packetsPerSecond) * Double(duration.components.seconds)
            + Double(packetsPerSecond) * Double(duration.components.attoseconds) / 1e18)
        let start = ContinuousClock.now
        var sent = 0
        var attempted = 0
        while attempted < total {
            let elapsed = ContinuousClock.now - start
            let due = min(total, Int((Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
                * Double(packetsPerSecond)) + 1)
            if attempted >= due {
                try? await Task.sleep(for: .microseconds(500))
                continue
            }
            while attempted < due {
                attempted += 1
                if send(fd, payload, to: &address) { sent += 1 }
            }
        }
        return sent
    }

    /// A UDP socket created inside `pod`'s network namespace (it stays there once made).
    private static func udpSocket(in pod: SandboxPod) throws(SandboxError) -> Int32 {
        let fd = try NetnsThread.run(in: pod.netnsPath) {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
            return fd >= 0 ? fd : -errno
        }
        guard fd >= 0 else { throw .system("socket(udp)", path: pod.netnsPath, errno: -fd) }
        return fd
    }

    /// One datagram; whether the kernel took all of it.
    private static func send(_ fd: Int32, _ payload: [UInt8], to address: inout sockaddr_in) -> Bool {
        let n = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                sendto(fd, payload, payload.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        return n == payload.count
    }

    /// ICMP echo from `source` to `destination` (the kernel there answers); returns replies.
    public static func ping(from source: SandboxPod, to destination: SandboxPod, count: Int, payloadSize: Int = 56,
                            interval: Duration = .milliseconds(10), timeout: Duration = .seconds(2)) async throws(SandboxError) -> Int {
        let fd = try NetnsThread.run(in: source.netnsPath) {
            let fd = socket(AF_INET, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), Int32(IPPROTO_ICMP))
            return fd >= 0 ? fd : -errno
        }
        guard fd >= 0 else { throw .system("socket(icmp)", path: source.netnsPath, errno: -fd) }
        defer { close(fd) }
        var address = try socketAddress(destination.ipv4, port: 0)
        let identifier = UInt16(truncatingIfNeeded: getpid() ^ Int32(fd))
        var replies = 0
        for sequence in 0..<count {
            var packet = [UInt8](repeating: 0, count: 8 + payloadSize)
            packet[0] = 8
            packet[4] = UInt8(identifier >> 8); packet[5] = UInt8(identifier & 0xFF)
            packet[6] = UInt8(sequence >> 8 & 0xFF); packet[7] = UInt8(sequence & 0xFF)
            let sum = checksum(packet)
            packet[2] = UInt8(sum >> 8); packet[3] = UInt8(sum & 0xFF)
            _ = withUnsafePointer(to: &address) { pointer in
                pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    sendto(fd, packet, packet.count, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
            try? await Task.sleep(for: interval)
            replies += drainReplies(fd, identifier: identifier)
        }
        let deadline = ContinuousClock.now + timeout
        while replies < count, ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
            replies += drainReplies(fd, identifier: identifier)
        }
        return replies
    }

    /// Counts echo replies carrying our identifier that are waiting on the raw socket.
    private static func drainReplies(_ fd: Int32, identifier: UInt16) -> Int {
        var buffer = [UInt8](repeating: 0, count: 65_536)
        var replies = 0
        while true {
            let n = recv(fd, &buffer, buffer.count, Int32(MSG_DONTWAIT))
            guard n > 0 else { return replies }
            let headerLength = Int(buffer[0] & 0x0F) * 4
            guard n >= headerLength + 8 else { continue }
            let id = UInt16(buffer[headerLength + 4]) << 8 | UInt16(buffer[headerLength + 5])
            if buffer[headerLength] == 0, id == identifier { replies += 1 }
        }
    }

    private static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var i = 0
        while i + 1 < bytes.count {
            sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
            i += 2
        }
        if i < bytes.count { sum += UInt32(bytes[i]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xFFFF) + (sum >> 16) }
        return ~UInt16(sum)
    }

    private static func socketAddress(_ ipv4: String, port: UInt16) throws(SandboxError) -> sockaddr_in {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        guard inet_pton(AF_INET, ipv4, &address.sin_addr) == 1 else { throw .system("inet_pton", path: ipv4, errno: EINVAL) }
        return address
    }
}
