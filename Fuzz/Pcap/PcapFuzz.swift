// libFuzzer harness for the pcap reader: PcapReader.summarize(path:) over libpcap (classic
// pcap and pcapng, any link type) and PacketDissector. Compiled into one module with
// Sources/Pcap. The input is written to a scratch file each run: the reader takes a path.
#if canImport(Glibc)
import Glibc
#endif

/// In the directory the fuzzer runs in (make runs it in .build-fuzz); removed at exit.
private let scratch: String = {
    let name = "pcap-fuzz-input-\(getpid())"
    atexit { unlink("pcap-fuzz-input-\(getpid())") }
    return name
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func pcapFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = fuzzInput(data, size)
    let fd = open(scratch, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    require(fd >= 0, "cannot create \(scratch): errno \(errno)")
    var written = 0
    while written < input.count {
        let n = write(fd, input.baseAddress! + written, input.count - written)
        require(n > 0, "cannot write \(scratch): errno \(errno)")
        written += n
    }
    close(fd)
    let summary: PcapSummary
    do throws(PcapError) {
        summary = try PcapReader.summarize(path: scratch)
    } catch {
        return 0  // not a capture libpcap can open: the reader's documented error
    }
    check(summary, size: input.count)
    return 0
}

/// What the summary can claim about a file of `size` bytes: every packet has at least a
/// 16-byte record header (classic pcap; pcapng blocks are larger) after a 24-byte file header
/// (pcapng: 28), so the bytes read back and the packet count are bounded by the input.
private func check(_ summary: PcapSummary, size: Int) {
    let payload = max(0, size - 24)
    require(summary.packets >= 0 && summary.capturedBytes >= 0, "negative counts")
    require(summary.capturedBytes <= payload, "capturedBytes \(summary.capturedBytes) of a \(size)-byte file")
    require(summary.capturedBytes + 16 * summary.packets <= payload,
            "\(summary.packets) packets with \(summary.capturedBytes) bytes in a \(size)-byte file")
    let p = summary.protocols
    require(p.ipv4 + p.ipv6 + p.arp + p.otherNetwork == summary.packets, "network counts \(p) for \(summary.packets) packets")
    require(p.tcp + p.udp + p.icmp + p.icmpv6 + p.otherTransport <= p.ipv4 + p.ipv6, "transport counts \(p) beyond the IP packets")
    require(summary.ipv4Addresses.count <= 2 * p.ipv4 && summary.ipv6Addresses.count <= 2 * p.ipv6, "more addresses than IP packets")
    require((summary.packets > 0) == (summary.firstTimestamp != nil), "first timestamp \(String(describing: summary.firstTimestamp)) with \(summary.packets) packets")
    require(summary.packets == 0 || summary.linkType != nil, "packets without a link type")
    if size < 24 { require(summary.truncated, "a \(size)-byte file not reported truncated") }
    if summary.truncated { require(summary.readError != nil, "truncated without libpcap's message") }
    for address in summary.ipv4Addresses {
        require(address.split(separator: ".").count == 4, "IPv4 address text \(address)")
    }
    for address in summary.ipv6Addresses { require(address.contains(":"), "IPv6 address text \(address)") }
    _ = summary.duration
}
