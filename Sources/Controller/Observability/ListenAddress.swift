/// A `--listen` value: `:9090` (every interface), `HOST:PORT`, or `[IPv6]:PORT`. Port 0 asks
/// the kernel for a free port (tests).
public struct ListenAddress: Sendable, Hashable, CustomStringConvertible {
    /// The interface to bind: an IP address or a host name.
    public var host: String
    /// 0…65535; 0 lets the kernel choose.
    public var port: Int

    /// An address from its parts.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Why a `--listen` value was refused; `description` is the message for the user.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// The refused value.
        public var value: String
        public var description: String {
            "invalid --listen value \"\(value)\": expected :PORT, HOST:PORT or [IPv6]:PORT with PORT in 0…65535"
        }
    }

    /// Parses `:PORT`, `HOST:PORT` or `[IPv6]:PORT`; an empty host means every IPv4 interface.
    public init(parsing value: String) throws(ParseError) {
        let host: Substring
        let portText: Substring
        if value.hasPrefix("[") {
            // Bracketed IPv6: the address itself contains colons.
            guard let close = value.firstIndex(of: "]"), value[value.index(after: close)...].hasPrefix(":") else {
                throw ParseError(value: value)
            }
            host = value[value.index(after: value.startIndex)..<close]
            portText = value[value.index(close, offsetBy: 2)...]
        } else {
            guard let colon = value.lastIndex(of: ":") else { throw ParseError(value: value) }
            host = value[..<colon]
            portText = value[value.index(after: colon)...]
            // An unbracketed IPv6 address is ambiguous: which colon starts the port?
            if host.contains(":") { throw ParseError(value: value) }
        }
        guard !portText.isEmpty, portText.allSatisfy({ $0.isASCII && $0.isNumber }), portText.count <= 5,
              let port = Int(portText), port <= 65535 else {
            throw ParseError(value: value)
        }
        self.init(host: host.isEmpty ? "0.0.0.0" : String(host), port: port)
    }

    /// `HOST:PORT`, bracketing an IPv6 host.
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}
