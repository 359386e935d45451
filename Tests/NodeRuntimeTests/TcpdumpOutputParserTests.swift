import Actors
import NodeRuntime
import Testing

@Suite("tcpdump stderr parsing")
struct TcpdumpOutputParserTests {
    @Test("closing statistics, plural and singular")
    func statistics() {
        let text = """
        tcpdump: listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes
        12 packets captured
        1 packet received by filter
        0 packets dropped by kernel
        """
        #expect(TcpdumpOutputParser.statistics(in: text) == CaptureStatistics(captured: 12, receivedByFilter: 1, droppedByKernel: 0))
        let exit = TcpdumpOutputParser.exit(status: .exited(0), stderr: text)
        #expect(exit.errorMessage == nil)
        #expect(TcpdumpOutputParser.statistics(in: "12 packets captured\n") == nil)
    }

    @Test("error lines", arguments: [
        ("tcpdump: nosuch0: No such device exists\n(SIOCGIFHWADDR: No such device)\n", "tcpdump: nosuch0: No such device exists"),
        ("tcpdump: invalid file size 0\n", "tcpdump: invalid file size 0"),
        ("tcpdump: /capture/capture-a.pcap: Permission denied\n", "tcpdump: /capture/capture-a.pcap: Permission denied"),
        ("nsenter: reassociate to namespace 'ns/net' failed: Operation not permitted\n",
         "nsenter: reassociate to namespace 'ns/net' failed: Operation not permitted"),
        ("tcpdump: syntax error in filter expression\n", "tcpdump: syntax error in filter expression"),
        ("nsenter: cannot open /proc/99999/ns/net: No such file or directory\n",
         "nsenter: cannot open /proc/99999/ns/net: No such file or directory"),
        ("something odd happened\n", "something odd happened"),
    ])
    func errors(_ stderr: String, _ expected: String) {
        #expect(TcpdumpOutputParser.exit(status: .exited(1), stderr: stderr).errorMessage == expected)
    }

    @Test("a clean stop has no error message; a signal death with only the banner has none either")
    func clean() {
        let banner = "tcpdump: listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n"
        #expect(TcpdumpOutputParser.exit(status: .exited(0), stderr: banner).errorMessage == nil)
        #expect(TcpdumpOutputParser.exit(status: .signaled(9), stderr: banner).errorMessage == nil)
    }

    @Test func requestedStatisticsLine() {
        let line = Array("tcpdump: 1200 packets captured, 1 packet received by filter, 3 packets dropped by kernel".utf8)
        #expect(TcpdumpOutputParser.requestedStatistics(line: line)
                == CaptureStatistics(captured: 1200, receivedByFilter: 1, droppedByKernel: 3))
        for other in ["tcpdump: listening on eth0, link-type EN10MB", "1200 packets captured", "tcpdump: x packets captured, 1 packet received by filter, 3 packets dropped by kernel"] {
            #expect(TcpdumpOutputParser.requestedStatistics(line: Array(other.utf8)) == nil, "\(other)")
        }
    }
}
