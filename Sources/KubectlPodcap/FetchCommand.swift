import ArgumentParser
import CaptureTransfer
import Glibc
import Pcap

/// `kubectl podcap fetch`: downloads each capture's files from the podcap agent on its Pod's
/// node (`pods/exec` → `podcap export`), checks each with libpcap, and with `--merge` writes
/// one pcapng of every packet in time order, one interface per Pod.
struct FetchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "fetch", abstract: "Download captures (and merge them).")

    @OptionGroup var cluster: ClusterOptions
    @OptionGroup var targets: TargetOptions

    @Option(name: [.customShort("o"), .long], help: "Directory for the files; each Pod's go into DIR/<namespace>/.")
    var output = "."

    @Option(help: "Also write every packet of all Pods, time-ordered, into this pcapng file.")
    var merge: String?

    func run() async throws {
        try await withCluster(cluster) { cluster in
            let kubectl = try Kubectl(options: cluster.options)
            let pods = try await cluster.pods(targets)
            var checkedExec = false
            var fetched: [FetchedCapture] = []
            for pod in pods {
                guard let node = pod.nodeName else { throw PluginError.notScheduled(pod: pod.displayName) }
                guard pod.captureStatus != nil || pod.annotations["tcpdump.antrea.io"] != nil else {
                    throw PluginError.notCaptured(pod: pod.displayName, state: nil)
                }
                let agent = try await cluster.agent(on: node)
                if !checkedExec {
                    try await cluster.checkExec(namespace: agent.metadata.namespace)
                    checkedExec = true
                }
                let capture = try download(pod, from: agent, kubectl: kubectl)
                fetched.append(capture)
                let rate = capture.seconds > 0 ? Double(capture.bytes) / 1e6 / capture.seconds : 0
                let addresses = capture.addresses.sorted().prefix(4).joined(separator: ", ")
                print("\(pod.displayName): \(capture.files.count) file\(capture.files.count == 1 ? "" : "s"), "
                    + "\(ProgressBar.megabytes(Int64(capture.bytes))) MB, \(capture.packets) packets"
                    + (addresses.isEmpty ? "" : " (\(addresses))") + " in \(Self.fixed(capture.seconds, 2)) s, "
                    + "\(Self.fixed(rate, 1)) MB/s -> \(directory(for: pod))")
            }
            if let merge {
                let merged = try PcapMerge.write(fetched, to: merge)
                print("merged \(merged.packets) packets of \(fetched.count) Pod\(fetched.count == 1 ? "" : "s") into \(merge) (pcapng, interfaces \(merged.interfaces.joined(separator: ", ")))")
            }
        }
    }

    private func directory(for pod: PodItem) -> String {
        (output.hasSuffix("/") ? output : output + "/") + pod.metadata.namespace
    }

    private func download(_ pod: PodItem, from agent: PodItem, kubectl: Kubectl) throws -> FetchedCapture {
        let directory = directory(for: pod)
        try Self.makeDirectories(directory)
        var parser = ExportStreamParser()
        var progress = ProgressBar()
        var total: Int64 = 0
        var done: Int64 = 0
        var current: (name: String, fd: Int32, bytes: Int)?
        var written: [(name: String, bytes: Int)] = []
        let started = ContinuousClock.now
        let argv = kubectl.execArgv(agent: agent, ["export", "\(pod.metadata.namespace)/\(pod.metadata.name)"])
        let outcome: Kubectl.Outcome
        do {
            outcome = try kubectl.run(argv) { chunk in
                for event in try parser.feed(chunk) {
                    switch event {
                    case .begin(_, let bytes):
                        total = bytes
                    case .fileStart(let name, let bytes):
                        let partial = directory + "/." + name + ".part"
                        let fd = open(partial, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0o644)
                        guard fd >= 0 else { throw PluginError.io("\(partial): \(String(cString: strerror(errno)))") }
                        current = (name, fd, bytes)
                    case .data(let bytes):
                        guard let file = current else { continue }
                        guard FileDescriptorIO.writeAll(file.fd, bytes[...]) else {
                            throw PluginError.io("\(directory)/\(file.name): \(String(cString: strerror(errno)))")
                        }
                        done += Int64(bytes.count)
                        progress.update(label: pod.metadata.name, done: done, total: max(total, done))
                    case .fileEnd:
                        guard let file = current else { continue }
                        close(file.fd)
                        // Complete files only get their real name: a cut download leaves no
                        // file that looks whole.
                        guard rename(directory + "/." + file.name + ".part", directory + "/" + file.name) == 0 else {
                            throw PluginError.io("\(directory)/\(file.name): \(String(cString: strerror(errno)))")
                        }
                        written.append((file.name, file.bytes))
                        current = nil
                    case .end:
                        progress.update(label: pod.metadata.name, done: done, total: max(total, done), force: true)
                    }
                }
            }
        } catch let error as ExportStreamParser.Malformed {
            throw PluginError.corrupt(pod: pod.displayName, detail: error.description)
        }
        progress.finish()
        if let file = current {
            close(file.fd)
            unlink(directory + "/." + file.name + ".part")
        }
        let elapsed = ContinuousClock.now - started
        guard outcome.status == 0, outcome.signalled == nil else {
            if outcome.isForbidden {
                throw PluginError.execForbidden(user: nil, namespace: agent.metadata.namespace, detail: outcome.lastLine)
            }
            throw PluginError.agent(pod: pod.displayName, line: outcome.lastLine)
        }
        guard parser.isFinished else {
            throw PluginError.corrupt(pod: pod.displayName, detail: "the stream ended before its END line (\(done) bytes): \(outcome.lastLine)")
        }
        var files: [FetchedCapture.File] = []
        var addresses = Set<String>()
        for file in written {
            let path = directory + "/" + file.name
            if file.bytes == 0 {
                files.append(.init(path: path, bytes: 0, packets: 0))
                continue
            }
            do {
                let summary = try PcapReader.summarize(path: path)
                guard !summary.truncated else {
                    throw PluginError.corrupt(pod: pod.displayName, detail: "\(path): libpcap reports a truncated file")
                }
                addresses.formUnion(summary.ipv4Addresses)
                addresses.formUnion(summary.ipv6Addresses)
                files.append(.init(path: path, bytes: file.bytes, packets: summary.packets))
            } catch let error as PcapError {
                throw PluginError.corrupt(pod: pod.displayName, detail: "\(path): \(error)")
            }
        }
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return FetchedCapture(pod: pod, files: files, addresses: addresses, seconds: seconds)
    }

    static func makeDirectories(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "/" : ""
        for part in path.split(separator: "/") {
            prefix += part + "/"
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw PluginError.io("\(prefix): \(String(cString: strerror(errno)))")
            }
        }
    }

    static func fixed(_ value: Double, _ decimals: Int) -> String {
        var scale = 1.0
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int((value * scale).rounded())
        let whole = scaled / Int(scale)
        let fraction = String(scaled % Int(scale)).leftPadded(decimals)
        return decimals == 0 ? "\(whole)" : "\(whole).\(fraction)"
    }
}
