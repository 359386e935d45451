/// `tcpdump.antrea.io/duration` values: whole numbers with `h`, `m` or `s`, largest unit
/// first, as Go's `time.ParseDuration` writes them (`30s`, `5m`, `1h`, `1h30m`).
public enum DurationValue {
    /// The duration, or `nil` if `text` is not of that form. Fractions and other units
    /// (`1.5m`, `500ms`, `1d`) are refused: whole seconds are what a capture needs.
    public static func parse(_ text: String) -> Duration? {
        var total: Int64 = 0
        var number: Int64?
        var lastUnit = Int64.max
        for byte in text.utf8 {
            if byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") {
                let digit = Int64(byte - UInt8(ascii: "0"))
                let (times10, o1) = (number ?? 0).multipliedReportingOverflow(by: 10)
                let (sum, o2) = times10.addingReportingOverflow(digit)
                guard !o1, !o2, sum < 1_000_000_000 else { return nil }
                number = sum
                continue
            }
            let unit: Int64 = switch byte {
            case UInt8(ascii: "h"): 3600
            case UInt8(ascii: "m"): 60
            case UInt8(ascii: "s"): 1
            default: 0
            }
            // A unit needs a number before it, and each unit comes once, largest first.
            guard unit > 0, let value = number, unit < lastUnit else { return nil }
            let (product, o1) = value.multipliedReportingOverflow(by: unit)
            let (sum, o2) = total.addingReportingOverflow(product)
            guard !o1, !o2 else { return nil }
            total = sum
            lastUnit = unit
            number = nil
        }
        guard number == nil, lastUnit != .max else { return nil }
        return .seconds(total)
    }

    /// Whole seconds written back in the same form: `90s` → `1m30s`, `3600s` → `1h`.
    public static func format(_ duration: Duration) -> String {
        var seconds = duration.components.seconds
        guard seconds > 0 else { return "0s" }
        var out = ""
        let hours = seconds / 3600
        seconds %= 3600
        let minutes = seconds / 60
        seconds %= 60
        if hours > 0 { out += "\(hours)h" }
        if minutes > 0 { out += "\(minutes)m" }
        if seconds > 0 { out += "\(seconds)s" }
        return out
    }
}
