// libFuzzer harness for the Pod watch decoder: WatchLineSplitter → PodWatchEvent.decode(line:) →
// PodJSON/JSONScanner. Compiled into one module with those sources (Fuzz/Makefile rules in
// mk/reliability.mk), so it sees their internal API.
import FoundationEssentials
import KubeModel
import NIOCore

/// The same event read by `JSONDecoder` through `Pod`'s `Decodable` conformance, the reference
/// PodJSON promises to agree with.
private struct ReferenceEvent: Decodable {
    var type: String
    var object: Pod
}

@_cdecl("LLVMFuzzerTestOneInput")
public func podWatchFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = fuzzInput(data, size)
    checkSplitter(input)
    checkPodObject(input)
    return 0
}

/// The whole input as one Pod object: if it is valid JSON and `JSONDecoder` accepts it, PodJSON must too, with the
/// same Pod (the decoder's documented contract); PodJSON may accept more (it only checks the
/// grammar of the values it skips), never a Pod without a name or uid.
private func checkPodObject(_ input: UnsafeRawBufferPointer) {
    var scanner = JSONScanner(input)
    let fast: Pod?
    do throws(JSONScanner.Failure) {
        let pod = try PodJSON.pod(&scanner)
        fast = scanner.peek() == nil ? pod : nil
    } catch {
        fast = nil
    }
    if let fast { checkPod(fast) }
    guard isStrictJSON(input), let reference = try? JSONDecoder().decode(Pod.self, from: Data(input)) else { return }
    require(fast == reference, "JSONDecoder read \(reference), PodJSON \(fast.map { "\($0)" } ?? "failed")")
}

private func checkPod(_ pod: Pod) {
    require(!pod.metadata.name.isEmpty, "a Pod with an empty metadata.name")
    require(!pod.metadata.uid.isEmpty, "a Pod with an empty metadata.uid")
}

/// The input as a watch stream cut into chunks of a size picked by the input: the splitter must
/// return exactly the non-empty newline-separated lines and keep the unterminated rest, and every
/// line must decode as the reference decoder reads it.
private func checkSplitter(_ input: UnsafeRawBufferPointer) {
    let chunkSizes = [1, 3, 17, 512, 1 << 20]
    let chunk = chunkSizes[input.count % chunkSizes.count]
    let maxLine = 4096
    var splitter = WatchLineSplitter(maxLineBytes: maxLine)
    var lines: [[UInt8]] = []
    var tooLong = false
    var offset = 0
    feed: while offset < input.count {
        let end = min(offset + chunk, input.count)
        splitter.append(ByteBuffer(bytes: input[offset..<end]))
        offset = end
        while true {
            do throws(WatchLineSplitter.LineTooLong) {
                guard let line = try splitter.nextLine() else { break }
                lines.append(Array(line.readableBytesView))
                checkEvent(line)
            } catch {
                tooLong = true
                break feed
            }
        }
    }
    let segments = input.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
    let complete = segments.dropLast().filter { !$0.isEmpty }.map { Array($0) }
    if tooLong {
        require(segments.contains { $0.count > maxLine }, "LineTooLong without a line over \(maxLine) bytes")
        return
    }
    require(lines == complete, "splitter lines \(lines.map(\.count)) != newline-separated lines \(complete.map(\.count))")
    let rest = segments.last?.count ?? 0
    require(splitter.pendingBytes == rest, "pendingBytes \(splitter.pendingBytes), unterminated rest \(rest)")
}

private func checkEvent(_ line: ByteBuffer) {
    let decoder = JSONDecoder()
    let event = try? PodWatchEvent.decode(line: line, using: decoder)
    switch event {
    case .added(let pod), .modified(let pod), .deleted(let pod): checkPod(pod)
    case .bookmark(let resourceVersion): _ = resourceVersion
    case .error, nil: break
    }
    let valid = line.withUnsafeReadableBytes { isStrictJSON($0) }
    guard valid, let reference = try? decoder.decode(ReferenceEvent.self, from: Data(line.readableBytesView)),
          ["ADDED", "MODIFIED", "DELETED"].contains(reference.type) else { return }
    let expected: PodWatchEvent = switch reference.type {
    case "ADDED": .added(reference.object)
    case "MODIFIED": .modified(reference.object)
    default: .deleted(reference.object)
    }
    require(event == expected, "JSONDecoder read \(expected), PodWatchEvent.decode \(event.map { "\($0)" } ?? "failed")")
}
