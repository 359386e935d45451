import CPcap

/// Checks a BPF expression with libpcap itself, the way tcpdump will compile it.
///
/// A typo is reported with libpcap's own message before anything starts, instead of a tcpdump
/// that dies at start-up. `pcap_compile` is thread-safe since libpcap 1.8, and each call uses
/// its own dead handle.
public enum FilterCompiler {
    /// The link type a capture on `interface` sees: Linux's `any` pseudo-device delivers
    /// `LINUX_SLL2` frames (libpcap 1.10); Pod interfaces (veth, loopback) are Ethernet.
    public static func linkType(interface: String) -> Int32 {
        interface == "any" ? Int32(DLT_LINUX_SLL2) : Int32(DLT_EN10MB)
    }

    /// libpcap's error message for `expression`, or `nil` if it compiles.
    public static func error(compiling expression: String, interface: String, snaplen: Int) -> String? {
        guard let handle = pcap_open_dead(linkType(interface: interface), Int32(snaplen)) else {
            return "libpcap could not open a handle to compile the filter"
        }
        defer { pcap_close(handle) }
        var program = bpf_program()
        let status = pcap_compile(handle, &program, expression, 1, PCAP_NETMASK_UNKNOWN)
        if status != 0 {
            return pcap_geterr(handle).map { String(cString: $0) } ?? "libpcap rejected the filter"
        }
        pcap_freecode(&program)
        return nil
    }
}
