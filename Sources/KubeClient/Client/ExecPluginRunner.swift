#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Subprocess
import SystemPackage

/// Runs an exec credential plugin once, as client-go's `exec` authenticator does.
///
/// argv, never a shell; stdin is /dev/null (no interactive plugins); the environment is podcap's
/// plus the plugin's `env` plus `KUBERNETES_EXEC_INFO`. stderr is kept so a failure can show its
/// last line.
enum ExecPluginRunner {
    /// Largest stdout accepted (an ExecCredential with a certificate chain is a few KB).
    static let outputLimit = 1 << 20

    /// The plugin's stdout, or the reason it failed (without the file/field prefix).
    static func run(
        _ plugin: KubeConfig.ExecPlugin, execInfo: String, timeout: Duration,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async -> Result<[UInt8], ExecCredentialParseError> {
        guard let executable = locate(plugin.command, path: environment["PATH"]) else {
            var reason = "command \"\(plugin.command)\" not found"
            if !plugin.command.contains("/") { reason += " in PATH" }
            if let hint = plugin.installHint { reason += "; " + hint.trimmingWhitespace() }
            return .failure(.init(reason))
        }
        var overrides: [Environment.Key: String?] = [:]
        for variable in plugin.environment { overrides[Environment.Key(stringLiteral: variable.name)] = variable.value }
        overrides["KUBERNETES_EXEC_INFO"] = execInfo
        let childEnvironment = Environment.inherit.updating(overrides)
        var options = PlatformOptions()
        // Its own process group, so a timeout also kills whatever a wrapper script started.
        options.processGroupID = 0
        options.teardownSequence = [.send(signal: .kill, toProcessGroup: true, allowedDurationToNextStep: .seconds(1))]
        let platformOptions = options
        let outcome: Outcome
        do {
            outcome = try await withThrowingTaskGroup(of: Outcome.self) { group in
                group.addTask {
                    let result = try await Subprocess.run(
                        .path(FilePath(executable)), arguments: Arguments(plugin.arguments),
                        environment: childEnvironment, platformOptions: platformOptions,
                        input: .none, output: .bytes(limit: outputLimit), error: .string(limit: outputLimit))
                    return .finished(result.terminationStatus, result.standardOutput, result.standardError)
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return .timedOut
                }
                // Cancelling the loser tears the plugin down (Subprocess kills it on cancellation).
                defer { group.cancelAll() }
                return try await group.next() ?? .timedOut
            }
        } catch {
            return .failure(.init("cannot run \(executable): \(error)"))
        }
        switch outcome {
        case .timedOut:
            return .failure(.init("\(executable) did not finish within \(timeout)"))
        case .finished(.exited(0), let stdout, _):
            return .success(stdout)
        case .finished(let status, _, let stderr):
            let last = stderr.split(whereSeparator: \.isNewline).last.map { $0.trimmingWhitespace() } ?? ""
            let how: String = switch status {
            case .exited(let code): "exited with status \(code)"
            case .signaled(let signal): "was killed by signal \(signal)"
            }
            return .failure(.init("\(executable) \(how)" + (last.isEmpty ? "" : ": \(last)")))
        }
    }

    private enum Outcome: Sendable {
        case finished(TerminationStatus, [UInt8], String)
        case timedOut
    }

    /// Go's `exec.LookPath`: a name with a `/` is used as is; otherwise the first executable
    /// regular file of that name in `PATH` (an empty entry means the current directory).
    static func locate(_ command: String, path: String?) -> String? {
        if command.contains("/") { return isExecutableFile(command) ? command : nil }
        for dir in (path ?? "").split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (dir.isEmpty ? "." : String(dir)) + "/" + command
            if isExecutableFile(candidate) { return candidate }
        }
        return nil
    }

    private static func isExecutableFile(_ path: String) -> Bool {
        var info = stat()
        guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return false }
        return access(path, X_OK) == 0
    }
}
