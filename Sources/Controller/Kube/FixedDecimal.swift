/// The two `String(format:)` shapes podcap prints, without Foundation's full `String(format:)`
/// (not in FoundationEssentials): zero-padded integers and one-decimal fixed point.
enum FixedDecimal {
    /// `%0<width>d` for non-negative values.
    static func zeroPadded(_ value: Int, width: Int) -> String {
        let digits = String(value)
        return digits.count >= width ? digits : String(repeating: "0", count: width - digits.count) + digits
    }

    /// `%.1f`: rounded half away from zero to tenths.
    static func oneDecimal(_ value: Double) -> String {
        let tenths = Int((abs(value) * 10).rounded())
        return (value < 0 && tenths != 0 ? "-" : "") + "\(tenths / 10).\(tenths % 10)"
    }
}
