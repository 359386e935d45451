extension PcapSummary {
    /// A `capinfos`-like multi-line report.
    public var report: String {
        var lines: [(String, String)] = [("File name", path)]
        let link = [linkType, linkTypeDescription.map { "(\($0))" }].compactMap { $0 }.joined(separator: " ")
        lines.append(("File encapsulation", link.isEmpty ? "unknown" : link))
        lines.append(("Number of packets", String(packets)))
        lines.append(("Data size", "\(bytes) bytes"))
        lines.append(("Captured size", "\(capturedBytes) bytes"))
        lines.append(("First packet time", firstTimestamp?.description ?? "n/a"))
        lines.append(("Last packet time", lastTimestamp?.description ?? "n/a"))
        if let duration {
            let (seconds, attoseconds) = duration.components
            var nanos = String(attoseconds / 1_000_000_000)
            nanos = String(repeating: "0", count: 9 - nanos.count) + nanos
            lines.append(("Capture duration", "\(seconds).\(nanos) seconds"))
        }
        let p = protocols
        lines.append(("Network protocols", "IPv4 \(p.ipv4), IPv6 \(p.ipv6), ARP \(p.arp), other \(p.otherNetwork)"))
        lines.append(("Transport protocols", "TCP \(p.tcp), UDP \(p.udp), ICMP \(p.icmp), ICMPv6 \(p.icmpv6), other \(p.otherTransport)"))
        lines.append(("IPv4 addresses", ipv4Addresses.isEmpty ? "none" : ipv4Addresses.sorted().joined(separator: ", ")))
        lines.append(("IPv6 addresses", ipv6Addresses.isEmpty ? "none" : ipv6Addresses.sorted().joined(separator: ", ")))
        lines.append(("Truncated", truncated ? "yes (\(readError ?? "file ends mid-record"))" : "no"))
        let width = lines.map(\.0.count).max() ?? 0
        return lines.map { $0.0 + ":" + String(repeating: " ", count: width - $0.0.count + 2) + $0.1 }.joined(separator: "\n")
    }
}
