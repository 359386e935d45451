import KubeModel

/// The annotation that asks for a capture; its value is the number of rotated files to keep.
public let captureAnnotation = "tcpdump.antrea.io"

/// What a Pod's annotations ask of podcap, before the Pod's readiness is considered.
public enum CaptureRequest: Sendable, Hashable {
    /// No `tcpdump.antrea.io` annotation: nothing to capture.
    case none
    /// A valid request for `fileCount` rotated files.
    case capture(fileCount: Int)
    /// The annotation is present but unusable; the reason is shown to the user verbatim.
    case rejected(CaptureRejection)

    /// Parses the annotation value strictly: a plain decimal integer in `1...maxFiles`.
    ///
    /// Strict on purpose: `" 5"`, `"+5"`, `"5.0"` or `"1e3"` are almost certainly typos, and
    /// silently accepting them would make the controller's behaviour depend on a parser quirk.
    public static func parse(annotations: [String: String], maxFiles: Int) -> CaptureRequest {
        guard let raw = annotations[captureAnnotation] else { return .none }
        return parse(value: raw, maxFiles: maxFiles)
    }

    /// Parses one annotation value; see `parse(annotations:maxFiles:)`.
    public static func parse(value raw: String, maxFiles: Int) -> CaptureRequest {
        let utf8 = raw.utf8
        guard !utf8.isEmpty else { return .rejected(.invalidValue(raw, maxFiles: maxFiles)) }
        var value = 0
        var overflow = false
        for byte in utf8 {
            guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else {
                return .rejected(.invalidValue(raw, maxFiles: maxFiles))
            }
            if !overflow {
                let (times10, o1) = value.multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(Int(byte - UInt8(ascii: "0")))
                if o1 || o2 { overflow = true } else { value = sum }
            }
        }
        if overflow || value > maxFiles { return .rejected(.tooManyFiles(raw, maxFiles: maxFiles)) }
        if value < 1 { return .rejected(.invalidValue(raw, maxFiles: maxFiles)) }
        return .capture(fileCount: value)
    }
}

/// Why an annotated Pod gets no capture. `description` is the user-facing message (Events, logs).
public enum CaptureRejection: Error, Sendable, Hashable, CustomStringConvertible {
    case invalidValue(String, maxFiles: Int)
    case tooManyFiles(String, maxFiles: Int)
    /// Another desired capture already writes these file names (same Pod name, other namespace).
    case fileNameConflict(fileName: String, owner: String)
    /// `fileCount × fileSize` does not fit in what is left of `--max-disk-mb`.
    case diskBudget(requestedMB: Int, remainingMB: Int, budgetMB: Int)

    /// A short CamelCase reason, as Kubernetes Events and metrics labels use.
    public var reason: String {
        switch self {
        case .invalidValue: "InvalidValue"
        case .tooManyFiles: "TooManyFiles"
        case .fileNameConflict: "FileNameConflict"
        case .diskBudget: "DiskBudgetExceeded"
        }
    }

    public var description: String {
        switch self {
        case .invalidValue(let raw, let maxFiles):
            "invalid value \(quoted(raw)) for \(captureAnnotation): expected an integer 1…\(maxFiles)"
        case .tooManyFiles(let raw, let maxFiles):
            "value \(quoted(raw)) for \(captureAnnotation) is over the limit: expected an integer 1…\(maxFiles)"
        case .fileNameConflict(let fileName, let owner):
            "capture file name \(fileName) is already used by Pod \(owner); use --file-layout namespaced to capture both"
        case .diskBudget(let requested, let remaining, let budget):
            "capture needs \(requested) MB but only \(remaining) MB of the \(budget) MB disk budget (--max-disk-mb) is left"
        }
    }
}

/// Quotes a user value for a message, escaping what would make the message ambiguous.
func quoted(_ raw: String) -> String {
    var out = "\""
    for scalar in raw.unicodeScalars.prefix(64) {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case _ where scalar.value < 0x20 || scalar.value == 0x7F: out += "\\u{\(String(scalar.value, radix: 16))}"
        default: out.unicodeScalars.append(scalar)
        }
    }
    if raw.unicodeScalars.count > 64 { out += "…" }
    return out + "\""
}
