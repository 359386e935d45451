#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import KubeSim
import Pcap

/// Writes the demo's artefacts (`make deliverables`): what a user would look at to believe it.
struct DemoReport {
    let directory: String?

    init(directory: String?) {
        self.directory = directory
        if let directory { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
    }

    func write(sim: KubeSim, namespace: String, pods: [String], listing: String, files: [String], summaries: [PcapSummary]) throws {
        guard let directory else { return }
        var table = "NAMESPACE   NAME     PHASE     IP            NODE        ANNOTATIONS\n"
        for name in pods {
            let pod = sim.pod(namespace: namespace, name: name)
            let annotations = sim.annotations(namespace: namespace, name: name).sorted { $0.key < $1.key }
                .map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            table += "\(namespace)     \(name)   \(pod?[path: "status.phase"]?.stringValue ?? "?")   \(pod?[path: "status.podIP"]?.stringValue ?? "?")   \(pod?[path: "spec.nodeName"]?.stringValue ?? "?")   \(annotations)\n"
        }
        try table.write(toFile: "\(directory)/pods.txt", atomically: true, encoding: .utf8)
        if let pod = sim.pod(namespace: namespace, name: pods[0]) {
            var describe = String(decoding: pod.serialized(), as: UTF8.self) + "\n\nEvents:\n"
            for event in sim.events(namespace: namespace) where event.objectName == pods[0] {
                describe += "  \(event.type)\t\(event.reason)\t\(event.message)\n"
            }
            try describe.write(toFile: "\(directory)/pod-describe.txt", atomically: true, encoding: .utf8)
        }
        try (listing + "\n").write(toFile: "\(directory)/capture-files.txt", atomically: true, encoding: .utf8)
        if let first = files.first {
            let copy = "\(directory)/\(first.split(separator: "/").last.map(String.init) ?? first)"
            try? FileManager.default.removeItem(atPath: copy)
            try FileManager.default.copyItem(atPath: first, toPath: copy)
            try Self.tcpdumpText(first).write(toFile: "\(directory)/tcpdump-r.txt", atomically: true, encoding: .utf8)
        }
        try summaries.map(\.report).joined(separator: "\n").write(toFile: "\(directory)/inspect.txt", atomically: true, encoding: .utf8)
    }

    func writeCleanup(captureDir: String, deleted: [String]) throws {
        guard let directory else { return }
        let left = (try? FileManager.default.contentsOfDirectory(atPath: captureDir)) ?? []
        let text = "deleted after the annotation was removed:\n" + deleted.map { "  \($0)\n" }.joined()
            + "files left in \(captureDir): \(left.isEmpty ? "none" : left.joined(separator: ", "))\n"
        try text.write(toFile: "\(directory)/cleanup.txt", atomically: true, encoding: .utf8)
    }

    /// `tcpdump -nn -r FILE`, run with an argv (no shell).
    static func tcpdumpText(_ file: String) throws -> String {
        try SpawnedOutput.run("/usr/bin/tcpdump", ["-nn", "-r", file])
    }
}
