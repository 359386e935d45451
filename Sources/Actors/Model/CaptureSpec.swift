import CaptureOptions

/// A valid capture request: how many files, and the options.
public struct CaptureSpec: Sendable, Hashable {
    public var fileCount: Int
    public var options: CaptureOptions

    public init(fileCount: Int, options: CaptureOptions = CaptureOptions()) {
        self.fileCount = fileCount
        self.options = options
    }

    /// A short, stable fingerprint of the request (FNV-1a over the file count and the options
    /// as written back), stored in the status of a completed capture. After podcap restarts it
    /// tells a completed capture (keep its files, start nothing) from a request that changed.
    public var key: String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ text: String) {
            for byte in text.utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x0000_0100_0000_01b3
            }
            hash ^= 0xFF
            hash = hash &* 0x0000_0100_0000_01b3
        }
        mix(String(fileCount))
        for (annotation, value) in options.summary {
            mix(annotation.rawValue)
            mix(value)
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
