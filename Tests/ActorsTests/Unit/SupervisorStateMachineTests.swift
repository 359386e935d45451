@testable import Actors
import KubeModel
import Testing

@Suite("Supervisor state machine")
struct SupervisorStateMachineTests {
    typealias Action = SupervisorStateMachine.Action
    var factory = PodFactory()

    func machine(max: Int = 2, layout: FileLayout = .flat, budgetMB: Int? = nil) -> SupervisorStateMachine {
        SupervisorStateMachine(maxConcurrent: max, nodeName: "node-a",
                               settings: CaptureSettings(maxFiles: 100, layout: layout), diskBudgetMB: budgetMB)
    }

    func starts(_ actions: [Action]) -> [String] {
        actions.compactMap { if case .start(let uid, _, _, _, _) = $0 { uid } else { nil } }
    }

    func stops(_ actions: [Action]) -> [(String, CaptureReport.StopReason)] {
        actions.compactMap { if case .stop(let uid, _, let reason) = $0 { (uid, reason) } else { nil } }
    }

    func rejections(_ actions: [Action]) -> [CaptureRejection] {
        actions.compactMap { if case .report(let r) = $0, case .rejected(let why) = r.change { why } else { nil } }
    }

    func generation(_ actions: [Action], _ uid: String) -> Int? {
        actions.lazy.compactMap { if case .start(uid, let g, _, _, _) = $0 { g } else { nil } }.first
    }

    @Test mutating func startsUpToTheLimitThenQueuesInOrder() {
        var m = machine(max: 2)
        var actions: [Action] = []
        for name in ["a", "b", "c", "d"] { m.podChanged(factory.pod(name, annotation: "3"), into: &actions) }
        #expect(starts(actions) == ["uid-default-a", "uid-default-b"])
        #expect(m.queuedUIDs == ["uid-default-c", "uid-default-d"])
        let queuedReports = actions.compactMap { if case .report(let r) = $0, case .queued(let p) = r.change { p } else { nil } }
        #expect(queuedReports == [1, 2])

        actions.removeAll()
        m.podChanged(factory.pod("a"), into: &actions)  // annotation removed
        #expect(stops(actions).map(\.0) == ["uid-default-a"])
        #expect(stops(actions).map(\.1) == [.annotationRemoved])
        #expect(starts(actions).isEmpty, "a slot frees only when the capture has finished")

        actions.removeAll()
        m.captureFinished(uid: "uid-default-a", generation: 0, into: &actions)
        #expect(starts(actions) == ["uid-default-c"])
    }

    @Test mutating func duplicateAndStaleEventsAreHarmless() {
        var m = machine()
        var actions: [Action] = []
        let annotated = factory.pod("a", annotation: "3")
        let removed = factory.pod("a")
        m.podChanged(annotated, into: &actions)
        m.podChanged(annotated, into: &actions)
        #expect(starts(actions).count == 1)
        m.podChanged(removed, into: &actions)
        actions.removeAll()
        m.captureFinished(uid: "uid-default-a", generation: 0, into: &actions)
        m.podChanged(annotated, into: &actions)  // stale: older resourceVersion
        #expect(starts(actions).isEmpty)
        m.podDeleted(uid: "uid-default-a", into: &actions)
        m.podChanged(factory.pod("a", annotation: "3"), into: &actions)  // late event for a deleted UID
        #expect(starts(actions).isEmpty)
    }

    @Test mutating func fileCountChangeRestartsAfterTheOldCaptureIsGone() {
        var m = machine()
        var actions: [Action] = []
        m.podChanged(factory.pod("a", annotation: "3"), into: &actions)
        actions.removeAll()
        m.podChanged(factory.pod("a", annotation: "5"), into: &actions)
        #expect(stops(actions).map(\.1) == [.fileCountChanged])
        #expect(starts(actions).isEmpty)
        actions.removeAll()
        m.captureFinished(uid: "uid-default-a", generation: 0, into: &actions)
        guard case .start(_, _, let plan, _, _) = actions.first(where: { if case .start = $0 { true } else { false } }) else {
            Issue.record("no restart: \(actions)")
            return
        }
        #expect(plan.fileCount == 5)
    }

    @Test mutating func sameNameInAnotherNamespaceIsRejectedNotClobbered() {
        var m = machine()
        var actions: [Action] = []
        m.podChanged(factory.pod("web", namespace: "team-a", annotation: "3"), into: &actions)
        m.podChanged(factory.pod("web", namespace: "team-b", annotation: "3"), into: &actions)
        #expect(starts(actions) == ["uid-team-a-web"])
        #expect(rejections(actions) == [.fileNameConflict(fileName: "capture-web.pcap", owner: "team-a/web")])
        // Once the first is gone, the second gets its turn without another event.
        actions.removeAll()
        m.podDeleted(uid: "uid-team-a-web", into: &actions)
        m.captureFinished(uid: "uid-team-a-web", generation: 0, into: &actions)
        #expect(starts(actions) == ["uid-team-b-web"])
    }

    @Test mutating func namespacedLayoutCapturesBoth() {
        var m = machine(layout: .namespaced)
        var actions: [Action] = []
        m.podChanged(factory.pod("web", namespace: "team-a", annotation: "3"), into: &actions)
        m.podChanged(factory.pod("web", namespace: "team-b", annotation: "3"), into: &actions)
        #expect(starts(actions).count == 2)
        #expect(rejections(actions).isEmpty)
    }

    @Test mutating func diskBudgetRejectsWhatDoesNotFit() {
        var m = machine(max: 4, budgetMB: 10)
        var actions: [Action] = []
        m.podChanged(factory.pod("a", annotation: "6"), into: &actions)
        m.podChanged(factory.pod("b", annotation: "6"), into: &actions)
        #expect(starts(actions) == ["uid-default-a"])
        #expect(rejections(actions) == [.diskBudget(requestedMB: 6, remainingMB: 4, budgetMB: 10)])
        #expect(rejections(actions).first?.description == "capture needs 6 MB but only 4 MB of the 10 MB disk budget (--max-disk-mb) is left")
        actions.removeAll()
        m.podChanged(factory.pod("a"), into: &actions)
        m.captureFinished(uid: "uid-default-a", generation: 0, into: &actions)
        #expect(starts(actions) == ["uid-default-b"])
    }

    @Test mutating func invalidValueIsReportedOnce() {
        var m = machine()
        var actions: [Action] = []
        m.podChanged(factory.pod("a", annotation: "abc"), into: &actions)
        m.podChanged(factory.pod("a", annotation: "abc"), into: &actions)
        #expect(rejections(actions) == [.invalidValue("abc", maxFiles: 100)])
        #expect(starts(actions).isEmpty)
    }

    @Test mutating func notReadyWaitsAndStartsWhenRunning() {
        var m = machine()
        var actions: [Action] = []
        m.podChanged(factory.pod("a", annotation: "3", phase: "Pending", running: false), into: &actions)
        #expect(actions.isEmpty)
        m.podChanged(factory.pod("a", annotation: "3"), into: &actions)
        #expect(starts(actions) == ["uid-default-a"])
        // A container restart while capturing keeps the capture (and its files), retargeted.
        actions.removeAll()
        m.podChanged(factory.pod("a", annotation: "3", containerID: "containerd://new"), into: &actions)
        #expect(stops(actions).isEmpty)
        #expect(actions.contains { if case .retarget(_, _, let t) = $0 { t.containers.first?.containerID == "containerd://new" } else { false } })
    }

    @Test mutating func terminatingMovedOrDeletedPodsStop() {
        var m = machine(max: 4)
        var actions: [Action] = []
        m.podChanged(factory.pod("a", annotation: "3"), into: &actions)
        m.podChanged(factory.pod("b", annotation: "3"), into: &actions)
        m.podChanged(factory.pod("c", annotation: "3"), into: &actions)
        actions.removeAll()
        var terminating = factory.pod("a", annotation: "3")
        terminating.metadata.deletionTimestamp = "2026-11-27T00:00:00Z"
        m.podChanged(terminating, into: &actions)
        m.podChanged(factory.pod("b", annotation: "3", node: "node-b"), into: &actions)
        m.resynced([factory.pod("a", annotation: "3"), factory.pod("b", annotation: "3", node: "node-b")], into: &actions)
        #expect(stops(actions).map(\.0).sorted() == ["uid-default-a", "uid-default-b", "uid-default-c"])
        #expect(Set(stops(actions).map(\.1)) == [.podGone])
    }

    @Test mutating func shutdownStopsRunningKeepsFilesAndFinishes() {
        var m = machine(max: 1)
        var actions: [Action] = []
        m.podChanged(factory.pod("a", annotation: "3"), into: &actions)
        m.podChanged(factory.pod("b", annotation: "3"), into: &actions)
        actions.removeAll()
        m.shutdown(into: &actions)
        #expect(stops(actions).map(\.1) == [.shutdown])
        #expect(!CaptureReport.StopReason.shutdown.deletesFiles)
        actions.removeAll()
        m.podChanged(factory.pod("c", annotation: "3"), into: &actions)
        #expect(actions.isEmpty, "nothing is admitted during shutdown")
        m.captureFinished(uid: "uid-default-a", generation: 0, into: &actions)
        #expect(actions == [.finished])
    }

    @Test mutating func recreatedPodIsANewCapture() {
        var m = machine()
        var actions: [Action] = []
        m.podChanged(factory.pod("a", uid: "old", annotation: "3"), into: &actions)
        m.podDeleted(uid: "old", into: &actions)
        m.podChanged(factory.pod("a", uid: "new", annotation: "3"), into: &actions)
        #expect(starts(actions) == ["old"], "the new Pod waits for the old capture's files to go")
        actions.removeAll()
        m.captureFinished(uid: "old", generation: 0, into: &actions)
        #expect(starts(actions) == ["new"])
        #expect(rejections(actions).isEmpty)
    }
}

extension SupervisorStateMachineTests {
    @Test mutating func invalidValueThenValidAgainStartsAgain() {
        var m = machine()
        var actions: [Action] = []
        m.podChanged(factory.pod("a", annotation: "3"), into: &actions)
        m.podChanged(factory.pod("a", annotation: "abc"), into: &actions)
        #expect(stops(actions).map(\.1) == [.annotationRemoved])
        m.captureFinished(uid: "uid-default-a", generation: 0, into: &actions)
        actions.removeAll()
        m.podChanged(factory.pod("a", annotation: "2"), into: &actions)
        #expect(starts(actions) == ["uid-default-a"])
    }
}

/// Issue 13: what a Pod's status says must stay true when a capture ends before it ran.
extension SupervisorStateMachineTests {
    func neverRan(_ actions: [Action]) -> [(String, CaptureReport.StopReason)] {
        actions.compactMap {
            if case .report(let r) = $0, case .stopped(let reason, nil, [], false) = r.change { (r.pod.name, reason) } else { nil }
        }
    }

    @Test mutating func queuedCaptureWhoseAnnotationGoesIsReportedCancelled() {
        var m = machine(max: 1)
        var actions: [Action] = []
        m.podChanged(factory.pod("a", annotation: "3"), into: &actions)
        m.podChanged(factory.pod("b", annotation: "3"), into: &actions)
        #expect(m.queuedUIDs == ["uid-default-b"])
        actions.removeAll()
        m.podChanged(factory.pod("b"), into: &actions)
        #expect(neverRan(actions).map(\.0) == ["b"] && neverRan(actions).map(\.1) == [.annotationRemoved],
                "its status said queued; it must not stay so")
        #expect(m.queuedUIDs.isEmpty && starts(actions).isEmpty && stops(actions).isEmpty)
    }

    @Test mutating func annotationRemovedWhileRestartingForANewCountSaysNoCaptureFollows() {
        var m = machine()
        var actions: [Action] = []
        m.podChanged(factory.pod("a", annotation: "3"), into: &actions)
        m.podChanged(factory.pod("a", annotation: "4"), into: &actions)
        #expect(stops(actions).map(\.1) == [.fileCountChanged])
        m.podChanged(factory.pod("a"), into: &actions)
        actions.removeAll()
        m.captureFinished(uid: "uid-default-a", generation: 0, into: &actions)
        #expect(neverRan(actions).map(\.0) == ["a"], "the status said restarting; nothing restarts")
        #expect(starts(actions).isEmpty)
        // A plain annotation removal already reported its stop: nothing more when it finishes.
        m.podChanged(factory.pod("b", annotation: "3"), into: &actions)
        m.podChanged(factory.pod("b"), into: &actions)
        actions.removeAll()
        m.captureFinished(uid: "uid-default-b", generation: 1, into: &actions)
        #expect(neverRan(actions).isEmpty)
    }

    @Test mutating func rejectedAnnotationRemovedClearsTheRejection() {
        var m = machine()
        var actions: [Action] = []
        m.podChanged(factory.pod("a", annotation: "abc"), into: &actions)
        actions.removeAll()
        m.podChanged(factory.pod("a"), into: &actions)
        #expect(neverRan(actions).map(\.0) == ["a"])
        actions.removeAll()
        m.podChanged(factory.pod("a"), into: &actions)
        #expect(actions.isEmpty, "said once")
        // A Pod that never had an annotation reports nothing.
        m.podChanged(factory.pod("plain"), into: &actions)
        #expect(actions.isEmpty)
    }
}
