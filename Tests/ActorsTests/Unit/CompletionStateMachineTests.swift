@testable import Actors
import CaptureOptions
import KubeModel
import Testing

/// Options, completion and `stop-on` in the pure state machine.
@Suite("state machine: options and completion")
struct CompletionStateMachineTests {
    typealias Action = SupervisorStateMachine.Action
    var factory = PodFactory()

    func machine(max: Int = 2) -> SupervisorStateMachine {
        SupervisorStateMachine(maxConcurrent: max, nodeName: "node-a", settings: CaptureSettings(maxFiles: 100), diskBudgetMB: 20)
    }

    func starts(_ actions: [Action]) -> [(uid: String, generation: Int, plan: CapturePlan, completed: Bool)] {
        actions.compactMap { if case .start(let uid, let g, let plan, _, let completed) = $0 { (uid, g, plan, completed) } else { nil } }
    }

    func stops(_ actions: [Action]) -> [CaptureReport.StopReason] {
        actions.compactMap { if case .stop(_, _, let reason) = $0 { reason } else { nil } }
    }

    func completions(_ actions: [Action]) -> [CaptureReport.CompletionReason] {
        actions.compactMap { if case .complete(_, _, let reason) = $0 { reason } else { nil } }
    }

    @Test mutating func optionChangeStopsThenStartsWithTheNewOptions() {
        var m = machine()
        var actions: [Action] = []
        m.podChanged(factory.pod("a", annotation: "3", options: [OptionAnnotation.filter.rawValue: "tcp"]), into: &actions)
        #expect(starts(actions).first?.plan.options.filter == "tcp")
        actions.removeAll()
        m.podChanged(factory.pod("a", annotation: "3", options: [OptionAnnotation.filter.rawValue: "udp"]), into: &actions)
        #expect(stops(actions) == [.optionsChanged])
        #expect(starts(actions).isEmpty, "the new capture waits until the old one's files are gone")
        actions.removeAll()
        m.captureFinished(uid: "uid-default-a", generation: 0, into: &actions)
        #expect(starts(actions).first?.plan.options.filter == "udp")
        // The same annotations again change nothing.
        actions.removeAll()
        m.podChanged(factory.pod("a", annotation: "3", options: [OptionAnnotation.filter.rawValue: "udp"]), into: &actions)
        #expect(starts(actions).isEmpty && stops(actions).isEmpty)
    }

    @Test mutating func invalidOrUnknownOptionIsRejectedAndNothingStarts() {
        var m = machine()
        var actions: [Action] = []
        m.podChanged(factory.pod("a", annotation: "3", options: ["tcpdump.antrea.io/filer": "tcp"]), into: &actions)
        m.podChanged(factory.pod("b", annotation: "3", options: [OptionAnnotation.snaplen.rawValue: "0"]), into: &actions)
        #expect(starts(actions).isEmpty)
        let reasons = actions.compactMap { if case .report(let r) = $0, case .rejected(let why) = r.change { why.reason } else { nil } }
        #expect(reasons == ["UnknownOption", "InvalidOption"])
        // A running capture whose option becomes invalid stops and deletes its files.
        actions.removeAll()
        m.podChanged(factory.pod("c", annotation: "3"), into: &actions)
        m.podChanged(factory.pod("c", annotation: "3", options: [OptionAnnotation.duration.rawValue: "forever"]), into: &actions)
        #expect(stops(actions) == [.annotationRemoved])
    }

    @Test mutating func completedCaptureFreesItsSlotKeepsItsFilesAndIsNotRestarted() {
        var m = machine(max: 1)
        var actions: [Action] = []
        let options = [OptionAnnotation.duration.rawValue: "30s"]
        m.podChanged(factory.pod("a", annotation: "3", options: options), into: &actions)
        m.podChanged(factory.pod("b", annotation: "3"), into: &actions)
        #expect(starts(actions).map(\.uid) == ["uid-default-a"])
        actions.removeAll()
        m.captureEnded(uid: "uid-default-a", generation: 0, into: &actions)
        #expect(starts(actions).map(\.uid) == ["uid-default-b"], "a completed capture holds no slot")
        #expect(m.endedUIDs == ["uid-default-a"])
        actions.removeAll()
        m.podChanged(factory.pod("a", annotation: "3", options: options), into: &actions)
        #expect(actions.isEmpty, "completed captures are not restarted")
        // Its claim and disk reservation stay: 3 + 3 MB of 20, so a 15-file capture does not fit.
        m.podChanged(factory.pod("c", annotation: "15"), into: &actions)
        let rejected = actions.compactMap { if case .report(let r) = $0, case .rejected(let why) = r.change { why } else { nil } }
        #expect(rejected == [.diskBudget(requestedMB: 15, remainingMB: 14, budgetMB: 20)])
        // Removing the annotation deletes the files (the actor does, on this stop).
        actions.removeAll()
        m.podChanged(factory.pod("a", annotation: nil), into: &actions)
        #expect(stops(actions) == [.annotationRemoved])
        actions.removeAll()
        m.captureFinished(uid: "uid-default-a", generation: 0, into: &actions)
        #expect(m.endedUIDs.isEmpty)
        #expect(m.activeUIDs == ["uid-default-b"])
    }

    @Test mutating func completedCaptureRestartsCleanlyWhenAnOptionChanges() {
        var m = machine()
        var actions: [Action] = []
        m.podChanged(factory.pod("a", annotation: "2", options: [OptionAnnotation.packets.rawValue: "10"]), into: &actions)
        m.captureEnded(uid: "uid-default-a", generation: 0, into: &actions)
        actions.removeAll()
        m.podChanged(factory.pod("a", annotation: "2", options: [OptionAnnotation.packets.rawValue: "20"]), into: &actions)
        #expect(stops(actions) == [.optionsChanged])
        #expect(starts(actions).isEmpty)
        actions.removeAll()
        m.captureFinished(uid: "uid-default-a", generation: 0, into: &actions)
        #expect(starts(actions).map(\.plan.options.packets) == [20])
    }

    @Test mutating func stopOnFiresOnceWhenAContainerRestarts() {
        var m = machine()
        var actions: [Action] = []
        let options = [OptionAnnotation.stopOn.rawValue: "container-restart"]
        m.podChanged(factory.pod("a", annotation: "2", options: options), into: &actions)
        #expect(starts(actions).count == 1)
        actions.removeAll()
        m.podChanged(factory.pod("a", annotation: "2", options: options), into: &actions)
        #expect(completions(actions).isEmpty, "an unchanged status is not a restart")
        m.podChanged(factory.pod("a", annotation: "2", options: options, restartCount: 1), into: &actions)
        guard case .containerRestarted(let container, let detail) = completions(actions).first else {
            Issue.record("no completion: \(actions)")
            return
        }
        #expect(container == "app")
        #expect(detail == "restarted (restart count 0 → 1)")
        actions.removeAll()
        m.podChanged(factory.pod("a", annotation: "2", options: options, restartCount: 2), into: &actions)
        #expect(completions(actions).isEmpty, "it fires once")
    }

    @Test mutating func stopOnFiresWhenAContainerTerminatesOrIsReplaced() {
        var m = machine()
        var actions: [Action] = []
        let options = [OptionAnnotation.stopOn.rawValue: "container-restart"]
        m.podChanged(factory.pod("a", annotation: "2", options: options), into: &actions)
        m.podChanged(factory.pod("b", annotation: "2", options: options), into: &actions)
        actions.removeAll()
        m.podChanged(factory.pod("a", annotation: "2", running: false, options: options), into: &actions)
        m.podChanged(factory.pod("b", annotation: "2", containerID: "containerd://new", options: options), into: &actions)
        #expect(completions(actions).map(\.description) == [
            "container app terminated (ContainerCreating)", "container app was replaced (container ID changed)",
        ])
    }

    @Test mutating func withoutStopOnARestartChangesNothing() {
        var m = machine()
        var actions: [Action] = []
        m.podChanged(factory.pod("a", annotation: "2"), into: &actions)
        actions.removeAll()
        m.podChanged(factory.pod("a", annotation: "2", restartCount: 3), into: &actions)
        #expect(completions(actions).isEmpty)
        #expect(stops(actions).isEmpty)
    }

    @Test mutating func aCaptureCompletedBeforePodcapRestartedIsResumedNotRerun() {
        var m = machine(max: 1)
        var actions: [Action] = []
        let options = [OptionAnnotation.stopOn.rawValue: "container-restart"]
        let key = CaptureSpec(fileCount: 2, options: CaptureOptions(stopOn: .containerRestart)).key
        var pod = factory.pod("a", annotation: "2", options: options, restartCount: 1)
        pod.metadata.annotations[OptionAnnotation.status] = #"{"state":"completed","reason":"ContainerRestarted","request":""# + key + #"","time":"t"}"#
        var other = factory.pod("b", annotation: "2", options: options)
        other.metadata.annotations[OptionAnnotation.status] = #"{"state":"completed","request":"0000000000000000","time":"t"}"#
        m.resynced([pod, other], into: &actions)
        let started = starts(actions)
        #expect(started.map(\.uid) == ["uid-default-a", "uid-default-b"])
        #expect(started.map(\.completed) == [true, false], "b's status belongs to another request: it runs")
        #expect(m.endedUIDs == ["uid-default-a"])
        #expect(m.activeUIDs == ["uid-default-b"], "the resumed capture takes no slot")
        actions.removeAll()
        m.captureEnded(uid: "uid-default-a", generation: started[0].generation, into: &actions)
        #expect(actions.isEmpty)
        m.podChanged(factory.pod("a", annotation: nil), into: &actions)
        #expect(stops(actions) == [.annotationRemoved])
    }

    @Test mutating func podNamesTooLongForAFileNameAreRejectedNotRetried() {
        var m = machine()
        var actions: [Action] = []
        let long = String(repeating: "a", count: 240)  // 8 + 240 + 5 + 1 + 7 = 261 > 255
        m.podChanged(factory.pod(long, annotation: "2"), into: &actions)
        m.podChanged(factory.pod(String(repeating: "b", count: 234), annotation: "2"), into: &actions)  // 255: fits
        #expect(starts(actions).map(\.plan.pod.name.count) == [234])
        let rejected = actions.compactMap { if case .report(let r) = $0, case .rejected(let why) = r.change { why } else { nil } }
        #expect(rejected.map(\.reason) == ["FileNameTooLong"])
        #expect(rejected.first?.description.contains("up to 261 bytes, over the 255") == true)
    }

    @Test mutating func aMarkerOutsideTheFirstListIsIgnored() {
        var m = machine()
        var actions: [Action] = []
        m.resynced([], into: &actions)
        let key = CaptureSpec(fileCount: 2).key
        var pod = factory.pod("a", annotation: "2")
        // Removed and added again before the status removal landed: the old marker is still there.
        pod.metadata.annotations[OptionAnnotation.status] = #"{"state":"completed","request":""# + key + #"","time":"t"}"#
        m.podChanged(pod, into: &actions)
        #expect(starts(actions).map(\.completed) == [false])
        // A relist later is not the first list either.
        var m2 = machine()
        actions.removeAll()
        m2.resynced([], into: &actions)
        m2.resynced([pod], into: &actions)
        #expect(starts(actions).map(\.completed) == [false])
    }

    @Test mutating func shutdownStopsEndedCapturesKeepingFiles() {
        var m = machine()
        var actions: [Action] = []
        m.podChanged(factory.pod("a", annotation: "2", options: [OptionAnnotation.packets.rawValue: "5"]), into: &actions)
        m.captureEnded(uid: "uid-default-a", generation: 0, into: &actions)
        actions.removeAll()
        m.shutdown(into: &actions)
        #expect(stops(actions) == [.shutdown])
        #expect(actions.contains(.finished), "no slot is held, so shutdown is complete at once")
    }
}
