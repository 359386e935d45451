/// How a completed capture is recognised after podcap restarts: its status annotation says
/// `"state":"completed"` and carries the request's key (`CaptureSpec.key`). A completed
/// capture must not run again, or its next run would rotate away the packets it froze.
public enum CompletionMarker {
    /// The status annotation's `state` of a completed capture.
    public static let state = "completed"
    /// The status annotation's field holding `CaptureSpec.key`.
    public static let field = "request"

    /// The request key a status annotation written by podcap for a completed capture holds.
    /// podcap writes `state` first and `request` once, so a prefix test and one search suffice.
    public static func key(inStatus status: String) -> String? {
        guard status.utf8.starts(with: "{\"state\":\"\(state)\"".utf8) else { return nil }
        let needle = Array("\"\(field)\":\"".utf8)
        let bytes = Array(status.utf8)
        guard bytes.count >= needle.count + 16 else { return nil }
        var index = 0
        while index + needle.count + 16 <= bytes.count {
            if bytes[index..<(index + needle.count)].elementsEqual(needle) {
                let start = index + needle.count
                let key = bytes[start..<(start + 16)]
                guard key.allSatisfy({ ($0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9")) || ($0 >= UInt8(ascii: "a") && $0 <= UInt8(ascii: "f")) }) else {
                    return nil
                }
                return String(decoding: key, as: UTF8.self)
            }
            index += 1
        }
        return nil
    }
}
