import ArgumentParser
@testable import CaptureTransfer
import Foundation
import KubeClient
@testable import KubectlPodcap
import Testing

@Suite("kubectl podcap: status rows, start annotations, merge, kubectl outcomes")
struct PluginTests {
    private func pod(_ name: String, status: String?, files: String? = "3", node: String? = "n1") throws -> PodItem {
        var annotations: [String: String] = [:]
        if let files { annotations["tcpdump.antrea.io"] = files }
        if let status { annotations[CaptureStatus.annotation] = status }
        let json: [String: Any] = [
            "metadata": ["name": name, "namespace": "shop", "uid": "u-\(name)", "annotations": annotations],
            "spec": node.map { ["nodeName": $0] } ?? [:], "status": ["phase": "Running", "podIP": "10.0.0.9"],
        ]
        return try JSONDecoder().decode(PodItem.self, from: JSONSerialization.data(withJSONObject: json))
    }

    @Test func statusRowsReadTheAgentsAnnotation() throws {
        let status = #"{"state":"capturing","reason":"Capturing","message":"say \"hi\"\nnext","files":[{"path":"/capture/capture-web.pcap0","bytes":1500000},{"path":"/capture/capture-web.pcap1","bytes":24}],"maxFiles":3,"options":{"filter":"port 53"},"packets":42,"dropped":1,"since":"2026-12-02T03:00:00Z","time":"2026-12-02T03:05:00Z"}"#
        let rows = [StatusRow(try pod("web", status: status)), StatusRow(try pod("db", status: nil)), StatusRow(try pod("idle", status: nil, files: nil))]
        #expect(rows.map(\.state) == ["capturing", "pending", "none"])
        #expect(rows[0].files == 2 && rows[0].bytes == 1_500_024 && rows[0].packets == 42 && rows[0].dropped == 1)
        let now = try #require(RFC3339.parse("2026-12-02T03:07:30Z"))
        let table = StatusRow.table(rows, namespaces: true, now: now).split(separator: "\n").map(String.init)
        #expect(table[0].split(separator: " ", omittingEmptySubsequences: true)
            == ["NAMESPACE", "POD", "NODE", "STATE", "FILES", "SIZE", "PACKETS", "DROPPED", "AGE"])
        #expect(table[1].split(separator: " ", omittingEmptySubsequences: true)
            == ["shop", "web", "n1", "capturing", "2/3", "1.5MB", "42", "1", "7m"])
        #expect(table[2].split(separator: " ", omittingEmptySubsequences: true) == ["shop", "db", "n1", "pending", "0/3", "0B", "-", "-", "-"])
        let yaml = StatusRow.yaml(Array(rows.prefix(1)))
        #expect(yaml.contains(#"  message: "say \"hi\"\nnext""#))
        #expect(yaml.contains(#"    filter: "port 53""#))
        let decoded = try JSONSerialization.jsonObject(with: Data(try StatusRow.json(rows).utf8)) as? [[String: Any]]
        #expect(decoded?.first?["since"] as? String == "2026-12-02T03:00:00Z")
        #expect(StatusRow.table([], namespaces: false, now: now) == "No captures found.\n")
    }

    @Test func startSetsEveryOptionKeyOrRemovesIt() throws {
        var start = try StartCommand.parse(["web", "--files", "4", "--filter", "tcp port 80", "--duration", "90s"])
        let annotations = start.annotations
        #expect(annotations["tcpdump.antrea.io"] == .some("4"))
        #expect(annotations["tcpdump.antrea.io/filter"] == .some("tcp port 80"))
        #expect(annotations["tcpdump.antrea.io/duration"] == .some("90s"))
        // Unset options are removed (null in the merge patch), so a new start inherits nothing.
        for key in ["snaplen", "interface", "packets", "stop-on"] {
            #expect(annotations["tcpdump.antrea.io/" + key] == .some(nil), "\(key)")
        }
        start.files = 1
        #expect(start.annotations["tcpdump.antrea.io"] == .some("1"))
        #expect(throws: (any Error).self) { try StartCommand.parse(["web", "-l", "app=x"]) }
        #expect(throws: (any Error).self) { try StartCommand.parse(["-A", "web"]) }
    }

    @Test func mergeOrdersEveryPacketByTimeWithOneInterfacePerPod() throws {
        let dir = NSTemporaryDirectory() + "podcap-merge-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        func file(_ name: String, _ times: [UInt32]) throws -> FetchedCapture.File {
            var bytes = PcapFileHeader(snaplen: 65535, linkType: 1).bytes
            for t in times {
                let frame = [UInt8](repeating: UInt8(t & 0xFF), count: 60)
                for v in [t, 0, UInt32(frame.count), UInt32(frame.count)] { PcapFileHeader.append32(v, to: &bytes) }
                bytes += frame
            }
            let path = dir + "/" + name
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return .init(path: path, bytes: bytes.count, packets: times.count)
        }
        // Rotated files of one Pod need not be in time order in the listing.
        let a = FetchedCapture(pod: try pod("web", status: nil), files: [try file("a1", [5, 7]), try file("a0", [1, 3])],
                               addresses: [], seconds: 0)
        let b = FetchedCapture(pod: try pod("db", status: nil), files: [try file("b0", [2, 3, 8])], addresses: [], seconds: 0)
        let out = dir + "/merged.pcapng"
        let result = try PcapMerge.write([a, b], to: out)
        #expect(result.packets == 7 && result.interfaces == ["shop/web", "shop/db"])
        let blocks = try #require(PcapngBlocks(Array(try Data(contentsOf: URL(fileURLWithPath: out)))))
        #expect(blocks.interfaceNames == ["shop/web", "shop/db"])
        #expect(blocks.packetsPerInterface == [4, 3])
        #expect(blocks.timestamps.map { $0 / 1_000_000_000 } == [1, 2, 3, 3, 5, 7, 8])
        #expect(!FileManager.default.fileExists(atPath: out + ".part"))
    }

    @Test func kubectlsOwnTrailerIsNotTheLineShown() {
        let outcome = Kubectl.Outcome(status: 3, signalled: nil, stderr: "podcap export: no capture of a/b on this node: annotate it\ncommand terminated with exit code 3\n")
        #expect(outcome.lastLine == "podcap export: no capture of a/b on this node: annotate it")
        #expect(!outcome.isForbidden)
        let forbidden = Kubectl.Outcome(status: 1, signalled: nil, stderr: #"Error from server (Forbidden): pods "p" is forbidden: User "x" cannot create resource "pods/exec""#)
        #expect(forbidden.isForbidden)
    }
}
