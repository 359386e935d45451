import Foundation
import KubeClient
import KubeSim
import NIOCore

/// `podcap-bench decode`: decode rate of a Pod watch stream of real-shaped objects.
///
/// Builds newline-delimited watch events (ADDED/MODIFIED of ~4 KB Pods, like the API server
/// sends), cuts them into 16 KiB chunks as the network would, and runs them through the same
/// splitter and decoder the watcher uses.
enum DecodeBench {
    static func run(events: Int = 20_000) throws {
        var stream: [UInt8] = []
        for i in 0..<200 {
            let pod = SimPods.realistic(namespace: "team-\(i % 7)", name: "web-6d4cf56db6-\(i)", nodeName: "node-1",
                                        resourceVersion: 100_000 + i)
            let line = JSONValue.object(["type": .string(i % 3 == 0 ? "ADDED" : "MODIFIED"), "object": pod]).serialized()
            stream += line
            stream.append(UInt8(ascii: "\n"))
        }
        let linesPerStream = 200
        let chunks: [ByteBuffer] = stride(from: 0, to: stream.count, by: 16 << 10).map {
            ByteBuffer(bytes: stream[$0..<min($0 + (16 << 10), stream.count)])
        }
        let decoder = JSONDecoder()
        let rounds = max(1, events / linesPerStream)
        var decoded = 0
        let clock = ContinuousClock()
        let elapsed = try clock.measure {
            for _ in 0..<rounds {
                var splitter = WatchLineSplitter()
                for chunk in chunks {
                    splitter.append(chunk)
                    while let line = try splitter.nextLine() {
                        switch try PodWatchEvent.decode(line: line, using: decoder) {
                        case .added, .modified: decoded += 1
                        default: break
                        }
                    }
                }
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let bytes = Double(stream.count * rounds)
        let rate = Double(decoded) / seconds
        BenchResults.add(BenchRow(name: "watch_decode", value: rate, unit: "events/s", target: ">= 50000", pass: rate >= 50_000))
        print(String(format: "decode: %d events, avg %.0f bytes/event, %.0f events/s, %.1f MB/s",
                     decoded, Double(stream.count) / Double(linesPerStream), Double(decoded) / seconds, bytes / seconds / 1e6))
    }
}
