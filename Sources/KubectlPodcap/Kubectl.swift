import Glibc

/// `kubectl exec` into a podcap agent: kubectl already speaks the exec protocol under every
/// kubeconfig the user has (exec plugins, OIDC, proxies), so the plugin passes through the
/// user's own `--kubeconfig` and `--context` and adds nothing to trust.
struct Kubectl: Sendable {
    let executable: String
    let global: [String]

    init(options: ClusterOptions) throws(PluginError) {
        let name = options.kubectl ?? "kubectl"
        guard let path = Self.locate(name) else { throw .kubectlMissing("\(name) not found") }
        executable = path
        var global: [String] = []
        if let kubeconfig = options.kubeconfig { global += ["--kubeconfig", kubeconfig] }
        if let context = options.context { global += ["--context", context] }
        self.global = global
    }

    /// argv of `kubectl exec -i -n NS AGENT -c podcap -- podcap ARGS…`. `-i`: the command's stdin
    /// closes when this process goes away, which is how a `podcap follow` with no traffic learns
    /// that nobody reads it.
    func execArgv(agent: PodItem, _ command: [String]) -> [String] {
        [executable] + global + ["exec", "-i", "-n", agent.metadata.namespace, agent.metadata.name, "-c", "podcap", "--", "podcap"]
            + command
    }

    /// The outcome of one kubectl run.
    struct Outcome {
        var status: Int32
        var signalled: Int32?
        var stderr: String

        /// The last line the agent (or kubectl) wrote, for the one-line error.
        var lastLine: String {
            let lines = stderr.split(separator: "\n").map { String($0) }
            // kubectl adds "command terminated with exit code N" after the agent's own line.
            return lines.last(where: { !$0.hasPrefix("command terminated with exit code") }) ?? lines.last ?? "kubectl exited with status \(status)"
        }

        var isForbidden: Bool { stderr.contains("Forbidden") || stderr.contains("forbidden") }
    }

    /// Runs `argv`, handing standard output to `onOutput` chunk by chunk (`nil`: kubectl writes
    /// straight to this process's standard output). Standard error is collected (64 KiB).
    func run(_ argv: [String], onOutput: ((ArraySlice<UInt8>) throws -> Void)?) throws -> Outcome {
        var stdinPipe: [Int32] = [0, 0], outPipe: [Int32] = [-1, -1], errPipe: [Int32] = [0, 0]
        guard pipe(&stdinPipe) == 0, pipe(&errPipe) == 0, onOutput == nil || pipe(&outPipe) == 0 else {
            throw PluginError.io("pipe: \(String(cString: strerror(errno)))")
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdinPipe[0], 0)
        if onOutput != nil { posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1) }
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        for fd in stdinPipe + errPipe + outPipe where fd > 2 { posix_spawn_file_actions_addclose(&actions, fd) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for number in [SIGINT, SIGTERM, SIGPIPE] { sigaddset(&defaults, number) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        let cArguments = argv.map { strdup($0) } + [nil]
        defer { cArguments.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, executable, &actions, &attributes, cArguments, environ)
        close(stdinPipe[0])
        close(errPipe[1])
        if onOutput != nil { close(outPipe[1]) }
        // The write end of kubectl's stdin stays open until this process is done with it.
        defer { close(stdinPipe[1]) }
        guard rc == 0 else {
            close(errPipe[0])
            if onOutput != nil { close(outPipe[0]) }
            throw PluginError.kubectlMissing("\(executable): \(String(cString: strerror(rc)))")
        }
        var stderr: [UInt8] = []
        var open: [Int32] = [errPipe[0]] + (onOutput != nil ? [outPipe[0]] : [])
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        var failure: (any Error)?
        while !open.isEmpty {
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if poll(&fds, nfds_t(fds.count), -1) < 0 {
                if errno == EINTR { continue }
                break
            }
            for entry in fds where entry.revents != 0 {
                let n = buffer.withUnsafeMutableBytes { read(entry.fd, $0.baseAddress, $0.count) }
                if n <= 0 {
                    if n < 0 && errno == EINTR { continue }
                    close(entry.fd)
                    open.removeAll { $0 == entry.fd }
                } else if entry.fd == errPipe[0] {
                    if stderr.count < 1 << 16 { stderr += buffer[0..<n] }
                } else if failure == nil {
                    do {
                        try onOutput?(buffer[0..<n])
                    } catch {
                        // Stop reading: kubectl gets EPIPE, or is ended below.
                        failure = error
                        kill(pid, SIGTERM)
                        close(entry.fd)
                        open.removeAll { $0 == entry.fd }
                    }
                }
            }
        }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        if let failure { throw failure }
        let signalled = (status & 0x7F) != 0 ? status & 0x7F : nil
        return Outcome(status: (status >> 8) & 0xFF, signalled: signalled, stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// `name` as exec.LookPath finds it: a path with a slash as is, else the first match on PATH.
    static func locate(_ name: String) -> String? {
        if name.contains("/") { return access(name, X_OK) == 0 ? name : nil }
        let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/local/bin:/usr/bin:/bin"
        for dir in path.split(separator: ":") where !dir.isEmpty {
            let candidate = "\(dir)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
