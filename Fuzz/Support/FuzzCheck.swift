#if canImport(Glibc)
import Glibc
#endif

/// A property of the code under test that failed: printed, then abort() so libFuzzer keeps the
/// input as a crash (a Swift `precondition` would too, but its message says less about which).
func require(_ condition: Bool, _ message: @autoclosure () -> String, file: StaticString = #fileID, line: UInt = #line) {
    guard !condition else { return }
    // write(2) rather than fputs: the C `stderr` global is shared mutable state to Swift 6.
    let text = "fuzz property failed (\(file):\(line)): \(message())\n"
    _ = text.utf8CString.withUnsafeBufferPointer { write(2, $0.baseAddress, $0.count - 1) }
    abort()
}

/// The fuzzer's input as one buffer.
func fuzzInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> UnsafeRawBufferPointer {
    UnsafeRawBufferPointer(start: data, count: data == nil ? 0 : size)
}
