import CPcap
import Glibc

/// Reads pcap files with libpcap.
public enum PcapReader {
    /// Reads every packet of `path` and summarises them.
    ///
    /// A file that is still being written, or was cut, ends in a partial header or record:
    /// libpcap then reports a truncation, and the summary covers the complete packets with
    /// `truncated == true`. Only a file libpcap cannot open at all is an error.
    public static func summarize(path: String) throws(PcapError) -> PcapSummary {
        var summary = PcapSummary(path: path)
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        guard let handle = pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errorBuffer) else {
            let message = String(decoding: errorBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            // An existing file shorter than the 24-byte header: tcpdump has just created it.
            if let size = regularFileSize(path), size < 24 {
                summary.truncated = true
                summary.readError = message
                return summary
            }
            throw .cannotOpen(path: path, message: message)
        }
        defer { pcap_close(handle) }
        let linkType = pcap_datalink(handle)
        summary.linkType = pcap_datalink_val_to_name(linkType).map { String(cString: $0) } ?? "DLT_\(linkType)"
        summary.linkTypeDescription = pcap_datalink_val_to_description(linkType).map { String(cString: $0) }

        var ipv4 = Set<UInt32>()
        var ipv6 = Set<PacketDissector.IPv6Bits>()
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        loop: while true {
            switch pcap_next_ex(handle, &header, &data) {
            case 1:
                guard let header, let data else { continue }
                let h = header.pointee
                // Opened with nanosecond precision, so tv_usec holds nanoseconds.
                let stamp = PcapTimestamp(seconds: Int64(h.ts.tv_sec), fraction: Int64(h.ts.tv_usec))
                if summary.firstTimestamp == nil { summary.firstTimestamp = stamp }
                summary.lastTimestamp = stamp
                summary.packets += 1
                summary.bytes += Int(h.len)
                summary.capturedBytes += Int(h.caplen)
                let frame = UnsafeRawBufferPointer(start: data, count: Int(h.caplen))
                count(PacketDissector.dissect(frame, linkType: linkType), into: &summary.protocols, ipv4: &ipv4, ipv6: &ipv6)
            case PCAP_ERROR_BREAK:
                break loop
            default:
                let message = String(cString: pcap_geterr(handle))
                summary.truncated = message.contains("truncated")
                summary.readError = message
                break loop
            }
        }
        summary.ipv4Addresses = Set(ipv4.map(AddressText.ipv4))
        summary.ipv6Addresses = Set(ipv6.map(AddressText.ipv6))
        return summary
    }

    private static func count(_ packet: PacketDissector.Result, into counts: inout ProtocolCounts,
                              ipv4: inout Set<UInt32>, ipv6: inout Set<PacketDissector.IPv6Bits>) {
        switch packet.network {
        case .ipv4: counts.ipv4 += 1
        case .ipv6: counts.ipv6 += 1
        case .arp: counts.arp += 1
        case .other: counts.otherNetwork += 1
        }
        switch packet.transport {
        case .tcp: counts.tcp += 1
        case .udp: counts.udp += 1
        case .icmp: counts.icmp += 1
        case .icmpv6: counts.icmpv6 += 1
        case .other: counts.otherTransport += 1
        case .none: break
        }
        if let (source, destination) = packet.ipv4 {
            ipv4.insert(source)
            ipv4.insert(destination)
        }
        if let (source, destination) = packet.ipv6 {
            ipv6.insert(source)
            ipv6.insert(destination)
        }
    }

    private static func regularFileSize(_ path: String) -> Int? {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return nil }
        return Int(info.st_size)
    }
}
