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
            stream += watchLine(type: i % 3 == 0 ? "ADDED" : "MODIFIED", object: pod)
        }
        let linesPerStream = 200
        let chunks: [ByteBuffer] = stride(from: 0, to: stream.count, by: 16 << 10).map {
            ByteBuffer(bytes: stream[$0..<min($0 + (16 << 10), stream.count)])
        }
        let decoder = JSONDecoder()
        try checkAgainstJSONDecoder(stream, decoder: decoder)
        let rounds = max(1, events / linesPerStream)
        // Five runs of `events` each; the row is their median (the cores are shared, and one
        // run is half a second).
        var rates: [Double] = []
        for _ in 0..<5 {
            var decoded = 0
            let elapsed = try ContinuousClock().measure {
                try forEachLine(of: chunks, rounds: rounds) { line in
                    switch try PodWatchEvent.decode(line: line, using: decoder) {
                    case .added, .modified: decoded += 1
                    default: break
                    }
                }
            }
            rates.append(Double(decoded) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18))
        }
        let baseline = try jsonDecoderRate(chunks: chunks, decoder: decoder, rounds: max(1, rounds / 4))
        let row = BenchRow(name: "watch_decode", samples: rates, unit: "events/s", target: ">= 50000 (median of 5)") {
            $0.percentile(50) >= 50_000
        }
        BenchResults.add(row)
        print(String(format: "decode: 5 × %ld events, avg %.0f bytes/event, median %.0f events/s (%.1f MB/s), runs %@",
                     rounds * linesPerStream, Double(stream.count) / Double(linesPerStream), row.value,
                     row.value * Double(stream.count) / Double(linesPerStream) / 1e6,
                     rates.map { String(format: "%.0f", $0) }.joined(separator: " ")))
        print(String(format: "decode: the same events through JSONDecoder and Pod's Decodable (the decoder before PodJSON): %.0f events/s",
                     baseline))
    }

    /// The stream's lines, `rounds` times over, as the watch splits them.
    private static func forEachLine(of chunks: [ByteBuffer], rounds: Int, _ body: (ByteBuffer) throws -> Void) throws {
        for _ in 0..<rounds {
            var splitter = WatchLineSplitter()
            for chunk in chunks {
                splitter.append(chunk)
                while let line = try splitter.nextLine() { try body(line) }
            }
        }
    }

    /// Events/s of `JSONDecoder` over the same stream, decoding `{type, object: Pod}`.
    private static func jsonDecoderRate(chunks: [ByteBuffer], decoder: JSONDecoder, rounds: Int) throws -> Double {
        struct Wire: Decodable {
            var type: String
            var object: Pod
        }
        var decoded = 0
        let elapsed = try ContinuousClock().measure {
            try forEachLine(of: chunks, rounds: rounds) { line in
                _ = try decoder.decode(Wire.self, from: Data(line.readableBytesView))
                decoded += 1
            }
        }
        return Double(decoded) / (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }

    /// `{"type":…,"object":…}\n` with "type" first, as kube-apiserver writes a watch event
    /// (JSONEncoder would order the two keys by hash, differently in each process).
    static func watchLine(type: String, object: JSONValue) -> [UInt8] {
        Array("{\"type\":\"\(type)\",\"object\":".utf8) + object.serialized() + Array("}\n".utf8)
    }

    /// The benchmark's events decode to the same Pods as `JSONDecoder` makes of their objects.
    private static func checkAgainstJSONDecoder(_ stream: [UInt8], decoder: JSONDecoder) throws {
        for line in stream.split(separator: UInt8(ascii: "\n")) {
            let event = try PodWatchEvent.decode(line: ByteBuffer(bytes: line), using: decoder)
            guard case .object(let wire) = try JSONValue.parse(line), let object = wire["object"] else {
                throw BenchError("decode: a benchmark line is not a watch event")
            }
            let expected = try decoder.decode(Pod.self, from: Data(object.serialized()))
            switch event {
            case .added(let pod), .modified(let pod):
                guard pod == expected else { throw BenchError("decode: \(pod.displayName) differs from JSONDecoder's") }
            default: throw BenchError("decode: unexpected event \(event)")
            }
        }
    }
}
