import Actors
import Glibc
import NodeRuntime
import PodSandbox
import Testing

/// Names in the capture directory that imitate podcap's, with a real tcpdump: a symlink or a
/// directory under a name tcpdump would write is never written through (tcpdump, as root,
/// follows symlinks) and never deleted; look-alikes survive a capture's start, restart-keeping,
/// stop and the stale sweep. The grammar itself is `CaptureFilesTests`.
@Suite("hostile input: capture-directory names that imitate podcap's", .enabled(if: Machine.supported))
struct HostileCaptureDirectoryTests {
    static func plan(_ name: String, files: Int, dir: String) -> CapturePlan {
        CapturePlan(pod: PodRef(namespace: "default", name: name, uid: "u-\(name)"), fileCount: files,
                    settings: CaptureSettings(directory: dir, fileSizeMB: 1))
    }

    /// A file outside the capture directory a planted symlink points at; must stay as written.
    struct Canary {
        let path: String
        static let text = "not a capture\n"
        init(in base: String) {
            path = base + "/canary"
            TempTree.write(path, Self.text)
        }
        var intact: Bool {
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else { return false }
            defer { close(fd) }
            var buffer = [UInt8](repeating: 0, count: 256)
            let n = read(fd, &buffer, buffer.count)
            return n >= 0 && buffer[..<n].elementsEqual(Self.text.utf8)
        }
    }

    @Test("a symlink or a directory under a ring name: start fails naming it; nothing written through or deleted",
          arguments: ["symlink", "directory", "fifo"])
    func plantedRingName(kind: String) async throws {
        let base = TempTree.makeDirectory()
        defer { TempTree.removeTree(base) }
        let dir = base + "/capture"
        mkdir(dir, 0o700)
        let canary = Canary(in: base)
        // N = 2: tcpdump would open capture-web.pcap0 first.
        let plan = Self.plan("web", files: 2, dir: dir)
        let planted = plan.filePaths[0]
        switch kind {
        case "symlink": symlink(canary.path, planted)
        case "directory": mkdir(planted, 0o700)
        default: mkfifo(planted, 0o600)
        }
        try await withSandboxPods(count: 1) { pods -> Void in
            await #expect {
                try await TcpdumpRuntime().start(plan, target: Machine.target(for: pods[0]))
            } throws: { error in
                guard let error = error as? CaptureStartError, case .failed(let why) = error else { return false }
                return why.contains(planted) && why.contains("not a regular file")
            }
        }
        #expect(canary.intact, "no byte written through the link")
        #expect(CaptureFiles.isOccupiedByNonRegularFile(planted), "the planted \(kind) is left where it was")
        #expect(await TcpdumpRuntime().removeFiles(of: plan).isEmpty)
        #expect(try CaptureDirectory(path: dir).removeStaleFiles(desired: []).isEmpty)
        #expect(TempTree.list(dir) == ["capture-web.pcap0"])
    }

    @Test("look-alikes beside a real capture survive its run, its restart and its stop; only its own files go")
    func lookAlikes() async throws {
        let base = TempTree.makeDirectory()
        defer { TempTree.removeTree(base) }
        let dir = base + "/capture"
        mkdir(dir, 0o700)
        let canary = Canary(in: base)
        let plan = Self.plan("web", files: 3, dir: dir)
        // Never podcap's: outside the grammar.
        var aliens = ["capture-web.pcap0.tmp", "capture-web.pcap0.bak", "capture-Web.pcap0", "capture-web.pcap0.01",
                      ".capture-web.pcap0", "capture-web.pcap0 "]
        for name in aliens { TempTree.write(dir + "/" + name, "alien") }
        // Under names the plan owns as kept segments, the first one where a restart would put
        // run 1's file: links to the canary and to /etc, a directory.
        symlink(canary.path, dir + "/capture-web.pcap0.1")
        symlink("/etc", dir + "/capture-web.pcap1.1")
        mkdir(dir + "/capture-web.pcap0.2", 0o700)
        aliens += ["capture-web.pcap0.1", "capture-web.pcap1.1", "capture-web.pcap0.2"]
        aliens.sort()
        // podcap's grammar, other captures: N = 4 or 11 of this Pod, Pod `web.pcap1`.
        let others = ["capture-web.pcap3", "capture-web.pcap00", "capture-web.pcap1.pcap0"]
        for name in others { TempTree.write(dir + "/" + name, "other capture") }

        try await withSandboxPods(count: 2) { pods in
            let runtime = TcpdumpRuntime()
            let target = Machine.target(for: pods[0])
            // Run 1, then run 2, which keeps run 1's file as a segment numbered past the planted ones.
            for run in 1...2 {
                try await Machine.withCapture(runtime, plan, target) { process -> Void in
                    #expect(await Machine.eventually { TempTree.exists(dir + "/capture-web.pcap0") }, "run \(run) writes")
                    let sent = try await Traffic.sendUDP(from: pods[1], to: pods[0], count: 10)
                    #expect(sent == 10)
                    #expect(await Machine.eventually { Self.size(dir + "/capture-web.pcap0") > 24 }, "run \(run) wrote packets")
                    _ = await process.terminate(grace: .seconds(3))
                }
            }
            let ours = Set(TempTree.list(dir)).subtracting(aliens + others)
            #expect(ours == ["capture-web.pcap0", "capture-web.pcap0.3"], "run 1's file kept as segment 3, past the planted 1 and 2")
            #expect(await Set(runtime.removeFiles(of: plan)) == Set(ours.map { dir + "/" + $0 }))
        }
        #expect(TempTree.list(dir) == (aliens + others).sorted())
        #expect(canary.intact)
        #expect(TempTree.exists("/etc/passwd"))
        #expect(try CaptureDirectory(path: dir).removeStaleFiles(desired: [plan]) == others.sorted().map { dir + "/" + $0 },
                "the stale sweep takes only regular files under podcap's names of captures not desired")
        #expect(TempTree.list(dir) == aliens)
    }

    static func size(_ path: String) -> Int64 { CaptureFiles.size(of: path) ?? 0 }
}
