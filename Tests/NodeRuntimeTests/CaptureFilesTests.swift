import Actors
import Glibc
import NodeRuntime
import Testing

@Suite("Capture directory: file grammar, exact removal, reconciliation, modes")
struct CaptureFilesTests {
    static func plan(_ pod: String, namespace: String = "default", files: Int, in dir: String,
                     layout: FileLayout = .flat) -> CapturePlan {
        CapturePlan(pod: PodRef(namespace: namespace, name: pod, uid: "uid-\(pod)"), fileCount: files,
                    settings: CaptureSettings(directory: dir, layout: layout))
    }

    @Test("the name grammar accepts exactly what podcap can create", arguments: [
        ("capture-a.pcap", true), ("capture-a.pcap0", true), ("capture-a.pcap099", true),
        ("capture-a.pcap1.pcap2", true), ("capture-web-7d9f.x.pcap", true), ("capture-ns_pod.pcap3", true),
        ("capture-.pcap", false), ("capture-a.pcap.bak", false), ("capture-a.pcapx", false), ("capture-A.pcap", false),
        ("capture-a_b_c.pcap", false), ("capture-n.s_pod.pcap", false), ("notes.txt", false), ("capture-a", false),
        ("xcapture-a.pcap", false), ("capture-a.pcap ", false),
        // Segments kept from earlier runs: `<ring name>.<n>`, n a positive decimal.
        ("capture-a.pcap0.1", true), ("capture-a.pcap.3", true), ("capture-a.pcap1.pcap2.12", true),
        ("capture-a.pcap0.0", false), ("capture-a.pcap0.01", false), ("capture-a.pcap0.tmp", false),
        ("capture-a.pcap0.1.2", false), ("capture-a.pcap0.", false), ("capture-a.pcap0.1234567890", false),
    ])
    func grammar(_ name: String, _ valid: Bool) {
        #expect((CaptureFileName(name) != nil) == valid)
    }

    @Test("the grammar splits namespace, Pod and suffix at the last .pcap")
    func parsing() {
        let name = CaptureFileName("capture-a.pcap1.pcap2")
        #expect(name?.pod == "a.pcap1" && name?.suffix == "2" && name?.namespace == nil)
        let namespaced = CaptureFileName("capture-kube-system_dns.pcap")
        #expect(namespaced?.namespace == "kube-system" && namespaced?.pod == "dns" && namespaced?.suffix == "")
    }

    @Test("a segment parses back to its ring name and run number")
    func segmentParsing() {
        let kept = CaptureFileName("capture-a.pcap1.pcap2.12")
        #expect(kept?.pod == "a.pcap1" && kept?.suffix == "2" && kept?.segment == 12)
        #expect(kept?.ringName == "capture-a.pcap1.pcap2" && kept?.fileName == "capture-a.pcap1.pcap2.12")
        #expect(CaptureFileName("capture-a.pcap.3")?.ringName == "capture-a.pcap")
        #expect(CapturePlan.segmentName(ringName: "capture-a.pcap0", segment: 2) == "capture-a.pcap0.2")
    }

    @Test("removeFiles deletes every run's ring and kept segments of the plan, nothing of a.pcap1 or alien names")
    func ownedRemoval() async throws {
        let dir = TempTree.makeDirectory()
        defer { TempTree.removeTree(dir) }
        let a = Self.plan("a", files: 3, in: dir)
        let ours = ["capture-a.pcap", "capture-a.pcap0", "capture-a.pcap2", "capture-a.pcap0.1", "capture-a.pcap.2", "capture-a.pcap1.3"]
        let theirs = ["capture-a.pcap1.pcap0", "capture-a.pcap3", "capture-a.pcap00", "capture-a.pcap0.tmp", "capture-b.pcap0.1"]
        for name in ours + theirs { TempTree.write(dir + "/" + name, "x") }
        symlink("/etc/passwd", dir + "/capture-a.pcap1")
        mkdir(dir + "/capture-a.pcap1.1", 0o700)
        let removed = await TcpdumpRuntime().removeFiles(of: a)
        #expect(Set(removed) == Set(ours.map { dir + "/" + $0 }))
        #expect(TempTree.list(dir) == (theirs + ["capture-a.pcap1", "capture-a.pcap1.1"]).sorted())
        #expect(TempTree.exists("/etc/passwd"))
    }

    @Test("a restart keeps the previous run's packets as the next segment, within N")
    func segmentsWithinN() throws {
        let dir = TempTree.makeDirectory()
        defer { TempTree.removeTree(dir) }
        let plan = Self.plan("web", files: 4, in: dir)
        let packet = String(repeating: "p", count: 100)
        // Run 1 wrote pcap0 (older) and pcap1; pcap2 and pcap3 hold only the pcap header.
        TempTree.write(dir + "/capture-web.pcap0", packet)
        TempTree.write(dir + "/capture-web.pcap1", packet)
        TempTree.write(dir + "/capture-web.pcap2", String(repeating: "h", count: 24))
        Self.touch(dir + "/capture-web.pcap0", secondsAgo: 20)
        Self.touch(dir + "/capture-web.pcap1", secondsAgo: 10)
        let first = try CaptureSegments.prepare(plan)
        #expect(first.kept == ["capture-web.pcap0.1", "capture-web.pcap1.1"].map { dir + "/" + $0 })
        #expect(first.deleted == [dir + "/capture-web.pcap2"], "a file without packets is not kept")
        #expect(first.ringSize == 2)
        #expect(first.files(of: plan) == first.kept + [dir + "/capture-web.pcap0", dir + "/capture-web.pcap1"])

        // Run 2 (ring of 2) rotated: its pcap1 is older than its pcap0. One more restart: 4
        // files of earlier runs, N − 1 = 3 may stay, so the oldest of run 1 goes.
        TempTree.write(dir + "/capture-web.pcap1", packet)
        TempTree.write(dir + "/capture-web.pcap0", packet)
        Self.touch(dir + "/capture-web.pcap1", secondsAgo: 5)
        let second = try CaptureSegments.prepare(plan)
        #expect(second.deleted == [dir + "/capture-web.pcap0.1"])
        #expect(second.kept == ["capture-web.pcap1.1", "capture-web.pcap1.2", "capture-web.pcap0.2"].map { dir + "/" + $0 })
        #expect(second.ringSize == 1)
        #expect(second.files(of: plan).last == dir + "/capture-web.pcap", "a ring of one file has no index")
        #expect(TempTree.list(dir) == ["capture-web.pcap0.2", "capture-web.pcap1.1", "capture-web.pcap1.2"])

        // N = 1: nothing of an earlier run can stay (the one file is the ring).
        let single = Self.plan("one", files: 1, in: dir)
        TempTree.write(dir + "/capture-one.pcap", packet)
        let only = try CaptureSegments.prepare(single)
        #expect(only.kept.isEmpty && only.ringSize == 1 && only.deleted == [dir + "/capture-one.pcap.1"])
    }

    @Test("stale sweep keeps a desired capture's segments and rings of any size up to N, drops the rest")
    func sweepWithSegments() throws {
        let dir = TempTree.makeDirectory()
        defer { TempTree.removeTree(dir) }
        let keep = Self.plan("keep", files: 3, in: dir)
        let names = ["capture-keep.pcap", "capture-keep.pcap2", "capture-keep.pcap0.1", "capture-keep.pcap1.4",
                     "capture-keep.pcap3", "capture-keep.pcap3.1", "capture-gone.pcap0.1"]
        for name in names { TempTree.write(dir + "/" + name, "x") }
        symlink("/etc", dir + "/capture-gone.pcap0.2")
        let stale = try CaptureDirectory(path: dir).removeStaleFiles(desired: [keep])
        #expect(stale == ["capture-gone.pcap0.1", "capture-keep.pcap3", "capture-keep.pcap3.1"].map { dir + "/" + $0 })
        #expect(TempTree.list(dir) == ["capture-gone.pcap0.2", "capture-keep.pcap", "capture-keep.pcap0.1",
                                       "capture-keep.pcap1.4", "capture-keep.pcap2"])
    }

    static func touch(_ path: String, secondsAgo: Int) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let then = timespec(tv_sec: now.tv_sec - secondsAgo, tv_nsec: 0)
        let times = [then, then]
        _ = times.withUnsafeBufferPointer { utimensat(AT_FDCWD, path, $0.baseAddress, 0) }
    }

    @Test("removeFiles deletes exactly the plan's files, not those of Pod a.pcap1")
    func exactRemoval() async throws {
        let dir = TempTree.makeDirectory()
        defer { TempTree.removeTree(dir) }
        let a = Self.plan("a", files: 3, in: dir)
        let other = Self.plan("a.pcap1", files: 2, in: dir)
        for path in a.filePaths + other.filePaths { TempTree.write(path, "x") }
        TempTree.write(dir + "/capture-a.pcap3", "left over from N=4")
        let runtime = TcpdumpRuntime()
        let removed = await runtime.removeFiles(of: a)
        #expect(removed == a.filePaths)
        #expect(TempTree.list(dir) == ["capture-a.pcap1.pcap0", "capture-a.pcap1.pcap1", "capture-a.pcap3"])
        #expect(await runtime.removeFiles(of: a).isEmpty, "already gone is not an error")
    }

    @Test("stale files: only grammar matches outside every desired plan, regular files only")
    func reconciliation() throws {
        let dir = TempTree.makeDirectory()
        defer { TempTree.removeTree(dir) }
        let keep = Self.plan("keep", files: 2, in: dir)
        let keepNS = Self.plan("dns", namespace: "kube-system", files: 1, in: dir, layout: .namespaced)
        for path in keep.filePaths + keepNS.filePaths { TempTree.write(path, "k") }
        for name in ["capture-keep.pcap2", "capture-gone.pcap", "capture-gone.pcap00", "capture-x_y.pcap"] {
            TempTree.write(dir + "/" + name, "stale")
        }
        for name in ["notes.txt", "capture-keep.pcap.bak", "capture-Upper.pcap"] { TempTree.write(dir + "/" + name, "alien") }
        mkdir(dir + "/capture-dir.pcap", 0o700)
        let directory = CaptureDirectory(path: dir + "/")
        let stale = try directory.staleFiles(desired: [keep, keepNS, Self.plan("elsewhere", files: 1, in: "/nonexistent")])
        #expect(stale == ["capture-gone.pcap", "capture-gone.pcap00", "capture-keep.pcap2", "capture-x_y.pcap"].map { dir + "/" + $0 })
        #expect(try directory.removeStaleFiles(desired: [keep, keepNS]) == stale)
        #expect(TempTree.list(dir) == ["capture-dir.pcap", "capture-keep.pcap.bak", "capture-keep.pcap0", "capture-keep.pcap1",
                                       "capture-kube-system_dns.pcap", "capture-Upper.pcap", "notes.txt"].sorted())
    }

    @Test("prepare creates 0700 directories and tightens looser ones; modes and usage")
    func prepareAndModes() throws {
        let base = TempTree.makeDirectory()
        defer { TempTree.removeTree(base) }
        let directory = CaptureDirectory(path: base + "/deep/capture")
        try directory.prepare()
        #expect(TempTree.mode(directory.path) == 0o700)
        chmod(directory.path, 0o755)
        try directory.prepare()
        #expect(TempTree.mode(directory.path) == 0o700)
        TempTree.write(base + "/file", "x")
        #expect(throws: CaptureDirectoryError.self) { try CaptureDirectory(path: base + "/file").prepare() }

        let plan = Self.plan("p", files: 2, in: directory.path)
        TempTree.write(plan.filePaths[0], String(repeating: "z", count: 1000), mode: 0o644)
        #expect(CaptureDirectory.diskUsage(of: plan) == 1000)
        #expect(try directory.totalUsage() == 1000)
        #expect(CaptureDirectory.enforceFileModes(of: plan) == [plan.filePaths[0]])
        #expect(TempTree.mode(plan.filePaths[0]) == 0o600)
    }
}
