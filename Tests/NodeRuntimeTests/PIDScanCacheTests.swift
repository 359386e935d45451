import Actors
@testable import NodeRuntime
import Testing

/// Later resolutions read only new PIDs and hinted ones (`PIDScanCache`); they must still find
/// exactly what a full scan finds, whatever happened to the processes in between.
@Suite("PID resolution after the first scan")
struct PIDScanCacheTests {
    static let idA = PIDResolverFixtureTests.idA
    static let idB = PIDResolverFixtureTests.idB

    static func resolve(_ resolver: ContainerPIDResolver, _ id: String) throws -> Int32 {
        try resolver.resolve(PIDResolverFixtureTests.target(["containerd://\(id)"])).pid
    }

    @Test("new, exited, reused and moved PIDs are seen")
    func followsChanges() throws {
        let proc = ProcFixture()
        proc.add(pid: 100, ["0::/k/cri-containerd-\(Self.idA).scope"])
        proc.add(pid: 200, ["0::/system.slice/containerd.service"])
        let resolver = ContainerPIDResolver(procRoot: proc.root)
        #expect(try Self.resolve(resolver, Self.idA) == 100)
        proc.add(pid: 150, ["0::/k/cri-containerd-\(Self.idA).scope"])
        #expect(try Self.resolve(resolver, Self.idA) == 100, "the lowest PID still wins")
        proc.remove(pid: 100)
        #expect(try Self.resolve(resolver, Self.idA) == 150, "an exited PID is not returned")
        // PID 150 reused by a process of another container.
        proc.remove(pid: 150)
        proc.add(pid: 150, ["0::/k/cri-containerd-\(Self.idB).scope"])
        #expect(throws: PIDResolutionError.self) { try Self.resolve(resolver, Self.idA) }
        #expect(try Self.resolve(resolver, Self.idB) == 150)
        // A known PID is confirmed without listing /proc; a lower one appearing later (only
        // after PID numbers wrap) is seen once the known ones are gone.
        proc.add(pid: 50, ["0::/k/cri-containerd-\(Self.idB).scope"])
        #expect(try Self.resolve(resolver, Self.idB) == 150)
        proc.remove(pid: 150)
        #expect(try Self.resolve(resolver, Self.idB) == 50, "a new PID is read")
        // A known PID moved into a container's cgroup.
        proc.add(pid: 200, ["0::/k/cri-containerd-\(Self.idA).scope"])
        #expect(try Self.resolve(resolver, Self.idA) == 200)
    }

    @Test("every layout's cgroup file hints its container ID", arguments: 0..<PIDResolverFixtureTests.layouts.count)
    func hintsEachLayout(_ index: Int) throws {
        let (_, containerID, lines) = PIDResolverFixtureTests.layouts[index]
        let id = try #require(ContainerID(containerID)).id
        let text = Array((lines.joined(separator: "\n") + "\n").utf8)
        let hints = text.withUnsafeBytes { CgroupIDHints($0) }
        #expect(hints.mayName(CgroupIDHints.hash(Array(id.utf8))))
        #expect(!hints.mayName(CgroupIDHints.hash(Array(Self.idB.utf8))))
    }
}
