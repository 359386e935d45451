/// Fires once a child's stderr shows it is ready, e.g. tcpdump's `listening on eth0, …`.
///
/// tcpdump prints that line only after it has entered the namespace, opened the interface and
/// the first file: reporting a capture as started before it would be reporting a hope.
final class ReadyMarker: Sendable {
    let marker: [UInt8]
    private let shot = OneShot<Void>()

    init(_ marker: String) { self.marker = Array(marker.utf8) }

    var isFulfilled: Bool { shot.isFulfilled }

    func fulfill() { shot.fulfill(()) }

    /// Returns once ready, or `nil` when the waiting task is cancelled first.
    func wait() async -> Void? { await shot.valueUnlessCancelled() }
}
