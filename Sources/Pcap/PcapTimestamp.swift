/// A packet time as recorded in the file, with nanosecond precision.
public struct PcapTimestamp: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// Seconds since the Unix epoch.
    public var seconds: Int64
    /// 0…999,999,999.
    public var nanoseconds: Int32

    public init(seconds: Int64, nanoseconds: Int32) {
        self.seconds = seconds
        self.nanoseconds = nanoseconds
    }

    /// A record's time as libpcap gives it. A damaged file can store a fraction of a second
    /// or more, or a negative one (libpcap reads the 32-bit field as signed and scales a
    /// microsecond file's by 1000); it carries into the seconds instead of trapping in the
    /// conversion to `Int32` (found by Fuzz/Pcap).
    public init(seconds: Int64, fraction nanoseconds: Int64) {
        let (carry, rest) = nanoseconds.quotientAndRemainder(dividingBy: 1_000_000_000)
        self.seconds = seconds + carry - (rest < 0 ? 1 : 0)
        self.nanoseconds = Int32(rest < 0 ? rest + 1_000_000_000 : rest)
    }

    public static func < (a: Self, b: Self) -> Bool {
        (a.seconds, a.nanoseconds) < (b.seconds, b.nanoseconds)
    }

    /// The span from `self` to `later`.
    public func duration(to later: PcapTimestamp) -> Duration {
        .seconds(later.seconds - seconds) + .nanoseconds(Int64(later.nanoseconds) - Int64(nanoseconds))
    }

    /// `2025-01-31 12:34:56.123456789 UTC`.
    public var description: String {
        let (date, time) = Self.civil(seconds)
        var fraction = String(nanoseconds)
        fraction = String(repeating: "0", count: 9 - fraction.count) + fraction
        return "\(date) \(time).\(fraction) UTC"
    }

    /// Calendar date and time of day for Unix seconds (proleptic Gregorian, UTC), computed
    /// here because the Pcap module avoids a Foundation dependency.
    private static func civil(_ unix: Int64) -> (String, String) {
        let days = unix >= 0 ? unix / 86_400 : (unix - 86_399) / 86_400
        let secondsOfDay = unix - days * 86_400
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ v: Int64) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let date = "\(year)-\(two(month))-\(two(day))"
        let time = "\(two(secondsOfDay / 3_600)):\(two(secondsOfDay % 3_600 / 60)):\(two(secondsOfDay % 60))"
        return (date, time)
    }
}
