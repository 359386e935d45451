import Subprocess
import SystemPackage

/// Runs short set-up commands (`ip …`) with argv, never a shell, and fails on a non-zero exit.
enum CommandRunner {
    static func run(_ argv: [String]) async throws(SandboxError) {
        let result: ExecutionResult<Void, StringOutput<UTF8>, StringOutput<UTF8>>
        do {
            result = try await Subprocess.run(.path(FilePath(argv[0])), arguments: Arguments(Array(argv.dropFirst())),
                                              output: .string(limit: 65_536), error: .string(limit: 65_536))
        } catch {
            throw .command(argv, status: "could not run", stderr: "\(error)")
        }
        guard case .exited(0) = result.terminationStatus else {
            throw .command(argv, status: "\(result.terminationStatus)", stderr: result.standardError)
        }
    }
}
