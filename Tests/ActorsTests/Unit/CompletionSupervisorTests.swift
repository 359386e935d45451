@testable import Actors
import CaptureOptions
import KubeModel
import Synchronization
import Testing

/// Completion with real actors and fake processes, on the deterministic executor.
@Suite("Supervisor: completion")
struct CompletionSupervisorTests {
    typealias Rig = SupervisorTests.Rig

    func withRig(max: Int = 4, _ body: (Rig) async throws -> Void) async throws {
        try await SupervisorTests.withRig(max: max, body)
    }

    @Test func durationCompletesKeepsFilesAndRemovalDeletesThem() async throws {
        var factory = PodFactory()
        let options = [OptionAnnotation.duration.rawValue: "30s"]
        try await withRig(max: 1) { rig in
            await rig.source.send(.added(factory.pod("a", annotation: "2", options: options)))
            await rig.source.send(.added(factory.pod("b", annotation: "2")))
            await rig.executor.idle()
            #expect(rig.fake.aliveByUID.keys.sorted() == ["uid-default-a"])
            rig.clock.advance(by: .seconds(29))
            await rig.executor.idle()
            #expect(rig.fake.aliveByUID["uid-default-a"] != nil)
            rig.clock.advance(by: .seconds(1))
            await rig.executor.idle()
            #expect(rig.fake.aliveByUID.keys.sorted() == ["uid-default-b"], "a completed, and its slot went to b")
            guard case .completed(.duration(let d), let exit, let files) = rig.changes(of: "a").last else {
                Issue.record("\(rig.changes(of: "a"))")
                return
            }
            #expect(d == .seconds(30))
            #expect(exit?.statistics?.captured == 1, "tcpdump was stopped with SIGTERM and reported its counts")
            #expect(files == ["/capture/capture-a.pcap0", "/capture/capture-a.pcap1"])
            #expect(rig.fake.world.withLock { $0.files.keys.filter { $0.contains("capture-a.") }.count } == 2)
            #expect(await rig.supervisor.endedUIDs == ["uid-default-a"])
            // Nothing restarts it, however long it waits or however often the Pod is re-sent.
            rig.clock.advance(by: .seconds(120))
            await rig.source.send(.modified(factory.pod("a", annotation: "2", options: options)))
            await rig.executor.idle()
            #expect(rig.fake.aliveByUID["uid-default-a"] == nil)
            #expect(rig.fake.world.withLock { $0.started } == 2)
            await rig.source.send(.modified(factory.pod("a")))
            await rig.executor.idle()
            guard case .stopped(.annotationRemoved, nil, let deleted, true) = rig.changes(of: "a").last else {
                Issue.record("\(rig.changes(of: "a"))")
                return
            }
            #expect(deleted == ["/capture/capture-a.pcap0", "/capture/capture-a.pcap1"])
            #expect(await rig.supervisor.endedUIDs.isEmpty)
        }
    }

    @Test func packetCountCompletesWhenTcpdumpExitsByItself() async throws {
        var factory = PodFactory()
        try await withRig { rig in
            await rig.source.send(.added(factory.pod("a", annotation: "1", options: [OptionAnnotation.packets.rawValue: "100"])))
            await rig.source.send(.added(factory.pod("b", annotation: "1")))
            await rig.executor.idle()
            let stats = CaptureStatistics(captured: 100, receivedByFilter: 100, droppedByKernel: 0)
            for name in ["a", "b"] {
                guard let pid = rig.fake.world.withLock({ w in w.processes.first { $0.value.uid == "uid-default-\(name)" }?.key }) else {
                    Issue.record("no process for \(name)")
                    return
                }
                rig.fake.exit(pid: pid, CaptureExit(status: .exited(0), statistics: stats))
            }
            await rig.executor.idle()
            guard case .completed(.packetCount(100), let exit, _) = rig.changes(of: "a").last else {
                Issue.record("\(rig.changes(of: "a"))")
                return
            }
            #expect(exit?.statistics == stats)
            // Without the packet option an exit is a failure, and it restarts.
            guard case .failed = rig.changes(of: "b").last else { Issue.record("\(rig.changes(of: "b"))"); return }
        }
    }

    @Test func stopOnContainerRestartFromThePodStatusCompletes() async throws {
        var factory = PodFactory()
        let options = [OptionAnnotation.stopOn.rawValue: "container-restart"]
        try await withRig { rig in
            await rig.source.send(.added(factory.pod("a", annotation: "2", options: options)))
            await rig.executor.idle()
            await rig.source.send(.modified(factory.pod("a", annotation: "2", options: options, restartCount: 1)))
            await rig.executor.idle()
            guard case .completed(.containerRestarted("app", _), _, _) = rig.changes(of: "a").last else {
                Issue.record("\(rig.changes(of: "a"))")
                return
            }
            #expect(rig.fake.aliveByUID.isEmpty)
            #expect(rig.fake.world.withLock { $0.started } == 1, "no new tcpdump starts")
        }
    }

    @Test func missingInterfaceIsRejectedOnceAndNotRetried() async throws {
        var factory = PodFactory()
        try await withRig { rig in
            rig.fake.world.withLock { _ = $0.missingInterface.insert("uid-default-a") }
            await rig.source.send(.added(factory.pod("a", annotation: "2", options: [OptionAnnotation.interface.rawValue: "net1"])))
            await rig.executor.idle()
            guard case .rejected(.interfaceNotFound("net1", let available)) = rig.changes(of: "a").last else {
                Issue.record("\(rig.changes(of: "a"))")
                return
            }
            #expect(available == ["lo", "eth0"])
            rig.clock.advance(by: .seconds(60))
            await rig.executor.idle()
            #expect(rig.changes(of: "a").count == 1, "no retry loop")
            // Fixing the annotation starts a capture on the new interface.
            rig.fake.world.withLock { _ = $0.missingInterface.remove("uid-default-a") }
            await rig.source.send(.modified(factory.pod("a", annotation: "2", options: [OptionAnnotation.interface.rawValue: "eth0"])))
            await rig.executor.idle()
            #expect(rig.fake.aliveByUID["uid-default-a"]?.plan.interface == "eth0")
            guard case .stopped(.optionsChanged, _, _, false) = rig.changes(of: "a").dropLast().last else {
                Issue.record("\(rig.changes(of: "a"))")
                return
            }
        }
    }
}
