import KubeModel
import Testing

/// `Duration.readable`: the one duration format of podcap's logs and Events.
@Suite("Duration.readable")
struct DurationTextTests {
    @Test(arguments: [
        (Duration.zero, "0s"),
        (.nanoseconds(1_065_602_234), "1.07s"),  // the watch backoff of issue 13
        (.seconds(2), "2s"),
        (.milliseconds(1500), "1.5s"),
        (.milliseconds(1005), "1.01s"),  // half up
        (.milliseconds(9996), "10s"),  // rounding reaches the next magnitude
        (.milliseconds(12_345), "12.3s"),
        (.milliseconds(59_999), "1m"),
        (.seconds(30), "30s"),
        (.seconds(60), "1m"),
        (.seconds(90), "1m30s"),
        (.milliseconds(3_599_600), "1h"),
        (.seconds(3900), "1h5m"),
        (.seconds(7200), "2h"),
        (.milliseconds(800), "800ms"),
        (.microseconds(12_500), "12.5ms"),
        (.microseconds(999_600), "1s"),
        (.microseconds(250), "250µs"),
        (.nanoseconds(999_700), "1ms"),
        (.nanoseconds(1_500), "1.5µs"),
        (.nanoseconds(42), "42ns"),
        (.milliseconds(-1500), "-1.5s"),
        (.seconds(Int64.max), "2562047h47m"),  // saturates at Int64.max nanoseconds
        (.seconds(Int64.min), "-2562047h47m"),
    ])
    func formats(duration: Duration, text: String) {
        #expect(duration.readable == text)
    }
}
