/// Turns a Pod's option annotations into `CaptureOptions`, or the first reason they are unusable.
///
/// Every check happens here, before anything starts, in a fixed order (unknown keys, then
/// snaplen, interface, duration, packets, stop-on, and the filter last because libpcap compiles
/// it for the interface's link type and the snaplen). Values are strict: `" 5"`, `"+5"` or
/// `"5.0"` are typos, not numbers.
public enum OptionParser {
    public static func parse(annotations: [String: String], limits: OptionLimits) -> Result<CaptureOptions, OptionRejection> {
        if let unknown = unknownKey(in: annotations) {
            let known = OptionAnnotation.allCases.map(\.rawValue).joined(separator: ", ")
            return .failure(OptionRejection(annotation: unknown, value: annotations[unknown] ?? "",
                                            problem: "podcap knows \(known) (and writes \(OptionAnnotation.status) itself)",
                                            known: false))
        }
        var options = CaptureOptions()
        do throws(OptionRejection) {
            if let raw = annotations[OptionAnnotation.snaplen.rawValue] {
                options.snaplen = try integer(raw, .snaplen, in: OptionLimits.snaplenRange, what: "bytes kept of each packet")
            }
            if let raw = annotations[OptionAnnotation.interface.rawValue] {
                options.interface = try interface(raw)
            }
            if let raw = annotations[OptionAnnotation.duration.rawValue] {
                options.duration = try duration(raw, limits: limits)
            }
            if let raw = annotations[OptionAnnotation.packets.rawValue] {
                options.packets = try integer(raw, .packets, in: OptionLimits.packetRange, what: "packets before the capture completes")
            }
            if let raw = annotations[OptionAnnotation.stopOn.rawValue] {
                guard let condition = StopCondition(rawValue: raw) else {
                    let allowed = StopCondition.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                    throw OptionRejection(.stopOn, raw, "expected \(allowed)")
                }
                options.stopOn = condition
            }
            if let raw = annotations[OptionAnnotation.filter.rawValue] {
                options.filter = try filter(raw, interface: options.interface ?? "eth0",
                                            snaplen: options.snaplen ?? OptionLimits.snaplenRange.upperBound)
            }
        } catch {
            return .failure(error)
        }
        return .success(options)
    }

    /// The first key under `tcpdump.antrea.io/` that is neither an option nor the status, by
    /// byte order, so the same Pod always gets the same message.
    static func unknownKey(in annotations: [String: String]) -> String? {
        var first: String?
        for key in annotations.keys where key.utf8.starts(with: OptionAnnotation.prefix.utf8) {
            guard OptionAnnotation(rawValue: key) == nil, key != OptionAnnotation.status else { continue }
            if first.map({ key.utf8.lexicographicallyPrecedes($0.utf8) }) ?? true { first = key }
        }
        return first
    }

    static func integer(_ raw: String, _ annotation: OptionAnnotation, in range: ClosedRange<Int>, what: String) throws(OptionRejection) -> Int {
        let expected = "expected an integer \(range.lowerBound)…\(range.upperBound) (\(what))"
        guard !raw.isEmpty, raw.utf8.count <= 10, raw.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = Int(raw), range.contains(value) else {
            throw OptionRejection(annotation, raw, expected)
        }
        return value
    }

    static func interface(_ raw: String) throws(OptionRejection) -> String {
        let allowed = "expected a network interface name of the Pod (1–\(OptionLimits.maxInterfaceBytes) characters, no \"/\", \":\" or spaces, not starting with \"-\"), e.g. eth0, or \"any\""
        let bytes = Array(raw.utf8)
        guard !bytes.isEmpty, bytes.count <= OptionLimits.maxInterfaceBytes, raw != ".", raw != "..",
              bytes[0] != UInt8(ascii: "-"),
              bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F && $0 != UInt8(ascii: "/") && $0 != UInt8(ascii: ":") }) else {
            throw OptionRejection(.interface, raw, allowed)
        }
        return raw
    }

    static func duration(_ raw: String, limits: OptionLimits) throws(OptionRejection) -> Duration {
        let maximum = DurationValue.format(limits.maxDuration)
        guard let value = DurationValue.parse(raw) else {
            throw OptionRejection(.duration, raw, "expected whole hours, minutes and seconds such as 30s, 5m, 1h or 1h30m, at most \(maximum) (--max-duration)")
        }
        guard value >= .seconds(1), value <= limits.maxDuration else {
            throw OptionRejection(.duration, raw, "expected 1s…\(maximum) (--max-duration)")
        }
        return value
    }

    static func filter(_ raw: String, interface: String, snaplen: Int) throws(OptionRejection) -> String {
        let bytes = raw.utf8
        guard bytes.count <= OptionLimits.maxFilterBytes else {
            throw OptionRejection(.filter, raw, "a BPF expression of at most \(OptionLimits.maxFilterBytes) bytes is allowed, this one has \(bytes.count)")
        }
        if let index = bytes.firstIndex(where: { $0 < 0x20 || $0 == 0x7F }) {
            let offset = bytes.distance(from: bytes.startIndex, to: index)
            throw OptionRejection(.filter, raw, "control character 0x\(String(bytes[index], radix: 16)) at byte \(offset); write the expression on one line")
        }
        guard bytes.contains(where: { $0 != UInt8(ascii: " ") }) else {
            throw OptionRejection(.filter, raw, "empty expression; remove the annotation to capture every packet")
        }
        guard bytes.first(where: { $0 != UInt8(ascii: " ") }) != UInt8(ascii: "-") else {
            throw OptionRejection(.filter, raw, "a BPF expression cannot start with \"-\" (tcpdump options are not accepted here)")
        }
        if let message = FilterCompiler.error(compiling: raw, interface: interface, snaplen: snaplen) {
            throw OptionRejection(.filter, raw, "libpcap: \(message)")
        }
        return raw
    }
}
