/// A pcap file could not be read at all.
public enum PcapError: Error, Sendable, Hashable, CustomStringConvertible {
    /// libpcap refused the file (missing, unreadable, not pcap); libpcap's message.
    case cannotOpen(path: String, message: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let message): "cannot read \(path): \(message)"
        }
    }
}
