import Foundation
import Glibc
import NodeRuntime
import Testing

/// One podcap per capture directory.
@Suite("capture directory lock")
struct CaptureDirectoryLockTests {
    func withDirectory(_ body: (String) async throws -> Void) async throws {
        var template = Array("/tmp/podcap-lock-XXXXXX".utf8CString)
        let path = String(cString: try #require(mkdtemp(&template)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        try await body(path)
    }

    @Test func aSecondHolderIsRefusedWithTheOwnersPIDThenAdmittedOnceReleased() async throws {
        try await withDirectory { dir in
            try await CaptureDirectoryLock.with(directory: dir, wait: .zero) {
                let started = ContinuousClock.now
                do {
                    try await CaptureDirectoryLock.with(directory: dir, wait: .milliseconds(300)) { Issue.record("both hold the lock"); return }
                } catch let held as CaptureDirectoryLock.Held {
                    #expect(held.owner == getpid())
                    #expect(held.description.contains("is in use by another podcap (PID \(getpid()))"))
                    #expect(ContinuousClock.now - started >= .milliseconds(150), "it waited before giving up")
                }
            }
            var ran = false
            try await CaptureDirectoryLock.with(directory: dir, wait: .zero) { ran = true }
            #expect(ran)
        }
    }

    @Test func aWaiterGetsTheLockWhenTheHolderLetsGoInTime() async throws {
        try await withDirectory { dir in
            let (released, release) = AsyncStream.makeStream(of: Void.self)
            let (held, holding) = AsyncStream.makeStream(of: Void.self)
            async let holder: Void = CaptureDirectoryLock.with(directory: dir, wait: .zero) {
                holding.yield()
                for await _ in released { break }
            }
            for await _ in held { break }
            async let waiter: Bool = CaptureDirectoryLock.with(directory: dir, wait: .seconds(5)) { true }
            release.yield()
            try await holder
            #expect(try await waiter)
        }
    }

    @Test func aSymlinkUnderTheLockNameIsNotFollowed() async throws {
        try await withDirectory { dir in
            let target = dir + "/target"
            #expect(FileManager.default.createFile(atPath: target, contents: Data("keep".utf8)))
            #expect(symlink(target, dir + "/" + CaptureDirectoryLock.fileName) == 0)
            await #expect(throws: CaptureDirectoryError.self) {
                try await CaptureDirectoryLock.with(directory: dir, wait: .zero) {}
            }
            #expect(FileManager.default.contents(atPath: target) == Data("keep".utf8))
        }
    }
}
