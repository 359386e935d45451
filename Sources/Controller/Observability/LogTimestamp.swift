#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock time as RFC 3339 in UTC with milliseconds, e.g. `2025-01-31T08:05:09.042Z`.
///
/// Formatted by hand from `clock_gettime`/`gmtime_r`: `DateFormatter` allocates and locks,
/// and this runs once per log line.
enum LogTimestamp {
    /// The current time.
    static func now() -> String {
        // gettimeofday's timeval reads the same in debug and release; timespec's fields become
        // invisible in release builds under MemberImportVisibility (they come via CNIOLinux).
        var value = timeval()
        gettimeofday(&value, nil)
        return format(seconds: Int(value.tv_sec), milliseconds: Int(value.tv_usec) / 1000)
    }

    /// `seconds` since the Unix epoch plus `milliseconds` (0…999).
    static func format(seconds: Int, milliseconds: Int) -> String {
        var epoch = time_t(seconds)
        var parts = tm()
        gmtime_r(&epoch, &parts)
        var out = ""
        out.reserveCapacity(24)
        pad(Int(parts.tm_year) + 1900, 4, &out); out += "-"
        pad(Int(parts.tm_mon) + 1, 2, &out); out += "-"
        pad(Int(parts.tm_mday), 2, &out); out += "T"
        pad(Int(parts.tm_hour), 2, &out); out += ":"
        pad(Int(parts.tm_min), 2, &out); out += ":"
        pad(Int(parts.tm_sec), 2, &out); out += "."
        pad(milliseconds, 3, &out); out += "Z"
        return out
    }

    private static func pad(_ value: Int, _ width: Int, _ out: inout String) {
        let digits = String(value)
        if digits.count < width { out += String(repeating: "0", count: width - digits.count) }
        out += digits
    }
}
