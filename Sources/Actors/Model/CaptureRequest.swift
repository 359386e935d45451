import CaptureOptions
import KubeModel

/// The annotation that asks for a capture; its value is the number of rotated files to keep.
public let captureAnnotation = "tcpdump.antrea.io"

/// What a Pod's annotations ask of podcap, before the Pod's readiness is considered.
public enum CaptureRequest: Sendable, Hashable {
    /// No `tcpdump.antrea.io` annotation: nothing to capture.
    case none
    /// A valid request: the file count and the options, all checked.
    case capture(CaptureSpec)
    /// The annotation is present but unusable; the reason is shown to the user verbatim.
    case rejected(CaptureRejection)

    /// Parses the annotation value strictly (a plain decimal integer in `1...maxFiles`), then
    /// the option annotations (`OptionParser`); the first problem found is the rejection.
    ///
    /// Strict on purpose: `" 5"`, `"+5"`, `"5.0"` or `"1e3"` are almost certainly typos, and
    /// silently accepting them would make the controller's behaviour depend on a parser quirk.
    public static func parse(annotations: [String: String], maxFiles: Int, limits: OptionLimits = OptionLimits()) -> CaptureRequest {
        guard let raw = annotations[captureAnnotation] else { return .none }
        let count = parse(value: raw, maxFiles: maxFiles)
        guard case .capture(let spec) = count else { return count }
        switch OptionParser.parse(annotations: annotations, limits: limits) {
        case .success(let options): return .capture(CaptureSpec(fileCount: spec.fileCount, options: options))
        case .failure(let rejection): return .rejected(.invalidOption(rejection))
        }
    }

    /// Parses the file-count annotation value alone; see `parse(annotations:maxFiles:limits:)`.
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
        return .capture(CaptureSpec(fileCount: value))
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
    /// The Pod's name (with the namespaced layout, namespace and name) makes a capture file
    /// name longer than the file system allows.
    case fileNameTooLong(fileName: String, bytes: Int)
    /// An option annotation is unknown or has an unusable value.
    case invalidOption(OptionRejection)
    /// `tcpdump.antrea.io/interface` names an interface the Pod's network namespace lacks;
    /// found only once the namespace was entered, so it comes from the capture, not the parser.
    case interfaceNotFound(String, available: [String])

    /// A short CamelCase reason, as Kubernetes Events and metrics labels use.
    public var reason: String {
        switch self {
        case .invalidValue: "InvalidValue"
        case .tooManyFiles: "TooManyFiles"
        case .fileNameConflict: "FileNameConflict"
        case .diskBudget: "DiskBudgetExceeded"
        case .fileNameTooLong: "FileNameTooLong"
        case .invalidOption(let option): option.reason
        case .interfaceNotFound: "InterfaceNotFound"
        }
    }

    public var description: String {
        switch self {
        case .invalidValue(let raw, let maxFiles):
            "invalid value \(quotedValue(raw)) for \(captureAnnotation): expected an integer 1…\(maxFiles)"
        case .tooManyFiles(let raw, let maxFiles):
            "value \(quotedValue(raw)) for \(captureAnnotation) is over the limit: expected an integer 1…\(maxFiles)"
        case .fileNameConflict(let fileName, let owner):
            "capture file name \(fileName) is already used by Pod \(owner); use --file-layout namespaced to capture both"
        case .diskBudget(let requested, let remaining, let budget):
            "capture needs \(requested) MB but only \(remaining) MB of the \(budget) MB disk budget (--max-disk-mb) is left"
        case .fileNameTooLong(let fileName, let bytes):
            "capture file names for this Pod (\(fileName)…) would be up to \(bytes) bytes, over the \(CapturePlan.maxFileNameBytes) a file name may have; capture a Pod with a shorter name"
        case .invalidOption(let option):
            option.description
        case .interfaceNotFound(let name, let available):
            "invalid value \(quotedValue(name)) for \(OptionAnnotation.interface): no such interface in the Pod's network namespace; it has "
                + (available.isEmpty ? "none" : available.joined(separator: ", "))
        }
    }
}
