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
