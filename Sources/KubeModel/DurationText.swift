extension Duration {
    /// The duration for people, as every log line and Event of podcap writes it: at most three
    /// significant digits and a unit, trailing zeros dropped.
    ///
    /// `0s`, `250µs`, `12.5ms`, `800ms`, `1.07s`, `30s`, `1m30s`, `1h5m`; negative values get a
    /// leading `-`. Values of a minute or more are rounded to whole seconds (under an hour) or
    /// whole minutes (from an hour), which is what a reader of a retry delay or an uptime needs.
    public var readable: String {
        let (seconds, attoseconds) = components
        // Whole nanoseconds, saturating: enough precision for three significant digits.
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000_000)
        var nanos = overflow ? (seconds < 0 ? Int64.min : Int64.max) : scaled.addingReportingOverflow(attoseconds / 1_000_000_000).partialValue
        if nanos == 0 { return "0s" }
        var sign = ""
        if nanos < 0 {
            sign = "-"
            nanos = nanos == .min ? .max : -nanos
        }
        return sign + Self.readable(nanoseconds: nanos)
    }

    private static func readable(nanoseconds nanos: Int64) -> String {
        let second: Int64 = 1_000_000_000
        if nanos < second {
            // Sub-second values in the largest unit that keeps the number at least 1.
            if nanos < 1_000 { return "\(nanos)ns" }
            let (unit, name): (Int64, String) = nanos < 1_000_000 ? (1_000, "µs") : (1_000_000, "ms")
            let text = significant(nanos, unit: unit)
            // 999.6ms rounds up to the next unit.
            if text == "1000" { return unit == 1_000 ? "1ms" : "1s" }
            return text + name
        }
        if nanos < 60 * second {
            let text = significant(nanos, unit: second)
            return text == "60" ? "1m" : text + "s"
        }
        if nanos < 3600 * second {
            let total = (nanos + second / 2) / second
            let (m, s) = (total / 60, total % 60)
            if m == 60 { return "1h" }
            return s == 0 ? "\(m)m" : "\(m)m\(s)s"
        }
        let minute = 60 * second
        let total = nanos / minute + (nanos % minute >= minute / 2 ? 1 : 0)
        let (h, m) = (total / 60, total % 60)
        return m == 0 ? "\(h)h" : "\(h)h\(m)m"
    }

    /// `value / unit` (1 ≤ result < 1000) rounded half up to three significant digits, without
    /// trailing zeros: `1.07`, `12.5`, `800`.
    private static func significant(_ value: Int64, unit: Int64) -> String {
        let whole = value / unit
        // Decimals that keep three significant digits: 2 below 10, 1 below 100, else 0.
        let decimals: Int64 = whole < 10 ? 2 : (whole < 100 ? 1 : 0)
        var scale: Int64 = 1
        for _ in 0..<decimals { scale *= 10 }
        // Round in integers: value × scale / unit, half up. unit ≤ 1e9 and scale ≤ 100 keep this in range
        // for every value below a minute (the caller's bound).
        let rounded = (value * scale + unit / 2) / unit
        let integer = rounded / scale
        let fraction = rounded % scale
        guard fraction != 0 else { return "\(integer)" }
        var digits = String(fraction)
        digits = String(repeating: "0", count: Int(decimals) - digits.count) + digits
        while digits.hasSuffix("0") { digits.removeLast() }
        return "\(integer).\(digits)"
    }
}
