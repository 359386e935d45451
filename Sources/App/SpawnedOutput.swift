#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import NodeRuntime

/// Runs a program with an argv (no shell) and returns its standard output; standard error goes
/// to /dev/null. Foundation's `Process` would pull full Foundation (and ICU) into the binary.
enum SpawnedOutput {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func run(_ executable: String, _ arguments: [String]) throws -> String {
        let child: (pid: pid_t, fd: Int32)
        do {
            child = try PipedSpawn.spawn([executable] + arguments, piping: .standardOutput)
        } catch {
            throw Failure(description: error.description)
        }
        let (pid, fd) = child
        var output: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { output.append(contentsOf: chunk[0..<n]); continue }
            if n < 0, errno == EINTR { continue }
            break
        }
        close(fd)
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0, errno == EINTR {}
        return String(decoding: output, as: UTF8.self)
    }
}
