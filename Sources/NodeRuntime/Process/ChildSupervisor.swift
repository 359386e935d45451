import Actors
import Dispatch
import Glibc
import Subprocess
import SystemPackage

/// Runs one child process from spawn to reap, inside one unstructured task.
///
/// swift-subprocess keeps an `Execution` (and so the pidfd that makes signalling safe from PID
/// reuse) valid only inside its body closure, and reaps the child only after the body returns.
/// So the body stays open until the child has exited, executing `ChildCommand`s sent through
/// an `AsyncStream`, while a `StderrPipe` drains stderr into a bounded buffer (stdout goes to
/// /dev/null).
enum ChildSupervisor {
    private typealias ChildExecution = Execution<NoInput, DiscardedOutput, FileDescriptorOutput>

    /// Spawns `executable` with `arguments` in a new process group and supervises it.
    ///
    /// `spawned` receives the PID once the child runs, or the reason it could not be started.
    static func run(
        executable: String,
        arguments: [String],
        commands: AsyncStream<ChildCommand>,
        spawned: OneShot<Result<Int32, CaptureStartError>>,
        ready: ReadyMarker? = nil,
        statistics: LiveStatistics? = nil
    ) async -> ChildOutcome {
        var options = PlatformOptions()
        // pgid 0: a new group led by the child, so signals reach anything it forks, and a
        // terminal's Ctrl-C aimed at podcap's group does not hit tcpdump before podcap stops it.
        options.processGroupID = 0
        options.teardownSequence = [.gracefulShutDown(allowedDurationToNextStep: .seconds(2))]
        let stderr: StderrPipe
        do {
            stderr = try StderrPipe(ready: ready, statistics: statistics)
        } catch {
            let message = "cannot run \(executable): \(error)"
            spawned.fulfill(.failure(.failed(message)))
            return ChildOutcome(status: .exited(127), standardError: message)
        }
        stderr.startReading()
        do {
            let result = try await Subprocess.run(
                .path(FilePath(executable)),
                arguments: Arguments(arguments),
                environment: .inherit.updating(["LC_ALL": "C"]),
                platformOptions: options,
                input: .none,
                output: .discarded,
                // Not closed by Subprocess: StderrPipe closes the parent's copy exactly once.
                error: .fileDescriptor(FileDescriptor(rawValue: stderr.writeEnd), closeAfterSpawningProcess: false)
            ) { execution in
                stderr.closeWriteEnd()
                spawned.fulfill(.success(execution.processIdentifier.value))
                return await drive(execution, commands: commands, stderr: stderr)
            }
            let status: CaptureExit.Status = switch result.terminationStatus {
            case .exited(let code): .exited(code)
            case .signaled(let signal): .signaled(signal)
            }
            return ChildOutcome(status: status, standardError: result.closureResult)
        } catch {
            stderr.closeWriteEnd()
            _ = await stderr.finished()
            let message = "cannot run \(executable): \(error)"
            if spawned.fulfill(.failure(.failed(message))) {
                return ChildOutcome(status: .exited(127), standardError: message)
            }
            // Spawned, but monitoring failed afterwards; there is no status to report.
            return ChildOutcome(status: .exited(-1), standardError: message)
        }
    }

    private static func drive(_ execution: ChildExecution, commands: AsyncStream<ChildCommand>,
                              stderr: StderrPipe) async -> String {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await obey(commands, execution: execution) }
            let output = await stderr.finished()
            // stderr ends when the child exits; should a child close it early, keep obeying
            // commands until it really exits, since reaping happens after we return.
            if !hasExited(execution.processIdentifier) {
                await waitForExitWithoutReaping(execution.processIdentifier)
            }
            group.cancelAll()
            return output.text
        }
    }

    private static func obey(_ commands: AsyncStream<ChildCommand>, execution: ChildExecution) async {
        await withTaskGroup(of: Void.self) { timers in
            for await command in commands {
                switch command {
                case .terminate(let grace):
                    signal(execution, SIGTERM)
                    timers.addTask {
                        // Cancelled once the child exited: then no SIGKILL must follow.
                        guard (try? await Task.sleep(for: grace)) != nil else { return }
                        signal(execution, SIGKILL)
                    }
                case .kill:
                    signal(execution, SIGKILL)
                case .requestStatistics:
                    signal(execution, SIGUSR1)
                }
            }
            timers.cancelAll()
        }
    }

    private static func signal(_ execution: ChildExecution, _ number: Int32) {
        // The group's leader is not reaped while the body runs, so its PID (= PGID) cannot
        // have been reused; fall back to the pidfd should the group be gone already.
        do {
            try execution.send(signal: Signal(rawValue: number), toProcessGroup: true)
        } catch {
            try? execution.send(signal: Signal(rawValue: number), toProcessGroup: false)
        }
    }

    /// Blocks a dispatch worker (not a cooperative thread) in `waitid(…, WNOWAIT)` until the
    /// child exits. Reached only after its output pipes closed, which for tcpdump means it is
    /// exiting right now; polling here instead cost up to a whole poll interval per stop.
    private static func waitForExitWithoutReaping(_ process: ProcessIdentifier) async {
        let descriptor = process.processDescriptor
        let pid = process.value
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                var info = siginfo_t()
                while true {
                    let rc = descriptor >= 0
                        ? waitid(idtype_t(rawValue: 3) /* P_PIDFD */, id_t(descriptor), &info, WEXITED | WNOWAIT)
                        : waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT)
                    if rc == 0 || errno != EINTR { break }
                }
                continuation.resume()
            }
        }
    }

    /// Whether the child has exited, without reaping it (`WNOWAIT`).
    private static func hasExited(_ process: ProcessIdentifier) -> Bool {
        var info = siginfo_t()
        let rc: Int32
        if process.processDescriptor >= 0 {
            rc = waitid(idtype_t(rawValue: 3) /* P_PIDFD */, id_t(process.processDescriptor), &info, WEXITED | WNOHANG | WNOWAIT)
        } else {
            rc = waitid(P_PID, id_t(process.value), &info, WEXITED | WNOHANG | WNOWAIT)
        }
        // si_pid stays 0 while the child still runs; an error means there is nothing to wait for.
        return rc != 0 || info._sifields._sigchld.si_pid != 0
    }
}
