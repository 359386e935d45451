// libFuzzer harness for the capture annotations: `tcpdump.antrea.io: "<N>"`
// (CaptureRequest.parse(value:)) and the option annotations behind it (OptionParser,
// DurationValue, FilterCompiler through libpcap). Compiled into one module with
// Sources/Actors/Model.
//
// Input: lines `key=value`; a key without a dot is an option's short name (`filter=tcp`),
// an empty key the capture annotation itself (`=5`), anything else a literal annotation key.
import CaptureOptions

private let maxFiles = 10
private let limits = OptionLimits(maxDuration: .seconds(6 * 3600))

@_cdecl("LLVMFuzzerTestOneInput")
public func optionsFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    let input = fuzzInput(data, size)
    guard let text = String(validating: input, as: UTF8.self) else { return 0 }
    var annotations: [String: String] = [:]
    for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
        let key: Substring, value: Substring
        if let equals = line.firstIndex(of: "=") {
            key = line[..<equals]
            value = line[line.index(after: equals)...]
        } else {
            key = line
            value = ""
        }
        let name = key.isEmpty ? captureAnnotation : key.contains(".") ? String(key) : OptionAnnotation.prefix + key
        annotations[name] = String(value)
    }
    for value in annotations.values {
        checkFileCount(value)
        checkDuration(value)
    }
    checkRequest(annotations)
    if let seconds = input.count >= 8 ? input.loadUnaligned(as: Int64.self) : nil {
        checkFormat(seconds)
    }
    return 0
}

/// `parse(value:)` against a plain reading of its contract: ASCII digits only, 1…maxFiles.
private func checkFileCount(_ raw: String) {
    let digitsOnly = !raw.isEmpty && raw.utf8.allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    let value = digitsOnly ? Int(raw) : nil
    let result = CaptureRequest.parse(value: raw, maxFiles: maxFiles)
    switch result {
    case .capture(let spec):
        require(value == spec.fileCount && (1...maxFiles).contains(spec.fileCount), "\(quotedValue(raw)) accepted as \(spec.fileCount)")
        require(spec.options.isEmpty, "parse(value:) returned options")
    case .rejected(.invalidValue):
        require(!digitsOnly || value == 0, "\(quotedValue(raw)) rejected as invalid")
    case .rejected(.tooManyFiles):
        require(digitsOnly && (value ?? .max) > maxFiles, "\(quotedValue(raw)) rejected as too many")
    case .none, .rejected:
        require(false, "\(quotedValue(raw)) gave \(result)")
    }
}

/// `DurationValue.parse` against a reading of its grammar that shares none of its code
/// (`[N h][N m][N s]`, at least one, N < 10^9), then format∘parse: the written form
/// reads back as the same duration and is already canonical.
private func checkDuration(_ text: String) {
    let parsed = DurationValue.parse(text)
    var rest = Substring(text)
    var total: Int64 = 0
    var parts = 0
    for (unit, seconds) in [("h", Int64(3600)), ("m", 60), ("s", 1)] {
        guard let end = rest.firstIndex(of: Character(unit)) else { continue }
        let number = rest[..<end]
        guard !number.isEmpty, number.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              let value = Int64(number), value < 1_000_000_000 else {
            parts = -1
            break
        }
        total += value * seconds
        parts += 1
        rest = rest[rest.index(after: end)...]
    }
    let expected: Duration? = parts > 0 && rest.isEmpty ? .seconds(total) : nil
    require(parsed == expected, "DurationValue.parse(\(quotedValue(text))) = \(String(describing: parsed)), expected \(String(describing: expected))")
    guard let parsed else { return }
    let written = DurationValue.format(parsed)
    require(parsed == .zero || DurationValue.parse(written) == parsed, "\(quotedValue(text)) → \(parsed) → \(written) does not read back")
    require(DurationValue.format(DurationValue.parse(written) ?? .zero) == written || parsed == .zero, "\(written) is not canonical")
}

/// format∘parse from the other side: every whole number of seconds a Pod could ask for.
private func checkFormat(_ raw: Int64) {
    let seconds = Int64(raw.magnitude % 3_600_000_000_000)
    let written = DurationValue.format(.seconds(seconds))
    if seconds == 0 {
        require(written == "0s", "format(0) = \(written)")
        return
    }
    require(DurationValue.parse(written) == .seconds(seconds), "format(\(seconds)s) = \(written) does not read back")
}

/// The whole request: what is accepted is within its limits and is exactly what the
/// annotations said; writing the accepted options back (as the status does) and parsing them
/// again gives the same request; a rejection names an annotation that is there.
private func checkRequest(_ annotations: [String: String]) {
    let request = CaptureRequest.parse(annotations: annotations, maxFiles: maxFiles, limits: limits)
    require(request == CaptureRequest.parse(annotations: annotations, maxFiles: maxFiles, limits: limits), "not deterministic")
    switch request {
    case .none:
        require(annotations[captureAnnotation] == nil, "a capture annotation gave .none")
    case .capture(let spec):
        let options = spec.options
        require((1...maxFiles).contains(spec.fileCount), "fileCount \(spec.fileCount)")
        require(options.snaplen.map(OptionLimits.snaplenRange.contains) ?? true, "snaplen \(String(describing: options.snaplen))")
        require(options.packets.map(OptionLimits.packetRange.contains) ?? true, "packets \(String(describing: options.packets))")
        require(options.duration.map { $0 >= .seconds(1) && $0 <= limits.maxDuration } ?? true, "duration \(String(describing: options.duration))")
        require(options.filter == annotations[OptionAnnotation.filter.rawValue], "filter changed")
        require(options.interface == annotations[OptionAnnotation.interface.rawValue], "interface changed")
        require(options.stopOn?.rawValue == annotations[OptionAnnotation.stopOn.rawValue], "stop-on changed")
        if let filter = options.filter {
            require(FilterCompiler.error(compiling: filter, interface: options.interface ?? "eth0", snaplen: options.snaplen ?? 262_144) == nil,
                    "accepted filter \(quotedValue(filter)) does not compile")
        }
        var written = [captureAnnotation: String(spec.fileCount)]
        for (annotation, value) in options.summary { written[annotation.rawValue] = value }
        let again = CaptureRequest.parse(annotations: written, maxFiles: maxFiles, limits: limits)
        require(again == request, "written back as \(written), read as \(again)")
        if case .capture(let respec) = again { require(respec.key == spec.key, "key changed on the round trip") }
    case .rejected(let rejection):
        require(!rejection.description.isEmpty, "empty rejection message")
        if case .invalidOption(let option) = rejection {
            require(annotations[option.annotation] == option.value, "rejection names \(option.annotation)=\(quotedValue(option.value)), not an annotation given")
            require(option.known == (OptionAnnotation(rawValue: option.annotation) != nil), "known flag wrong for \(option.annotation)")
        }
    }
}
