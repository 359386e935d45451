@testable import Actors
import KubeModel

/// The truth the simulation checks the Supervisor against: the Pods as the API server holds them.
struct SimulationModel {
    enum Delivery {
        case event(PodEvent)
        case crash(String)
        case failNextStart(String)
        case advance(Duration)
    }

    struct Slot {
        var current: Pod?
        /// The Pod as it was before its last change, for stale deliveries.
        var previous: Pod?
        var incarnation = 0
        var restarts = 0
    }

    private(set) var slots: [Slot]
    /// UID → the plan the Pod asks for now, for desired Pods only.
    private(set) var desired: [String: CapturePlan] = [:]
    private var names: [String: String] = [:]
    /// UID → capture file base name, computed once per Pod.
    private(set) var baseNames: [String: String] = [:]
    private var version: UInt64 = 1
    let node: String
    let settings: CaptureSettings

    init(slots count: Int, node: String, settings: CaptureSettings) {
        self.node = node
        self.settings = settings
        slots = []
        slots.reserveCapacity(count)
        for index in 0..<count {
            var slot = Slot()
            slot.current = makePod(slot: index, incarnation: 0, annotations: [:])
            slots.append(slot)
        }
    }

    func describe(_ uid: String) -> String { "\(names[uid] ?? "?") (\(uid))" }

    /// Every 10th slot reuses the name of the slot 9 before it in another namespace, and
    /// slots 1 and 2 are `a` and `a.pcap1`, so file-name conflicts and near-misses occur.
    private func identity(slot: Int) -> (namespace: String, name: String) {
        if slot == 1 { return ("ns-a", "a") }
        if slot == 2 { return ("ns-a", "a.pcap1") }
        if slot % 10 == 9 { return ("ns-b", "p\(slot - 9)") }
        return ("ns-a", "p\(slot)")
    }

    private mutating func makePod(slot: Int, incarnation: Int, annotations: [String: String]) -> Pod {
        let (namespace, name) = identity(slot: slot)
        let uid = "uid-\(slot)-\(incarnation)"
        names[uid] = "\(namespace)/\(name)"
        baseNames[uid] = settings.baseName(for: PodRef(namespace: namespace, name: name, uid: uid))
        version += 1
        return Pod(
            metadata: ObjectMeta(namespace: namespace, name: name, uid: uid, resourceVersion: String(version), annotations: annotations),
            spec: PodSpec(nodeName: node, containers: [.init(name: "app")]),
            status: PodStatus(phase: "Running", podIP: "10.0.0.\(slot % 250)", containerStatuses: [
                ContainerStatus(name: "app", containerID: "containerd://\(uid)-0", ready: true, started: true,
                                state: ContainerState(running: .init(startedAt: "2026-01-01T00:00:00Z"))),
            ]))
    }

    mutating func apply(_ event: SimulationEvent, touched: inout Set<String>) -> [Delivery] {
        switch event {
        case .annotate(let slot, let value):
            return modify(slot, touched: &touched) { $0.metadata.annotations[captureAnnotation] = value }
        case .removeAnnotation(let slot):
            return modify(slot, touched: &touched) { $0.metadata.annotations[captureAnnotation] = nil }
        case .terminatePod(let slot):
            return modify(slot, touched: &touched) { $0.metadata.deletionTimestamp = "2026-01-01T00:00:00Z" }
        case .moveNode(let slot):
            return modify(slot, touched: &touched) { $0.spec.nodeName = "node-b" }
        case .restartContainer(let slot):
            slots[slot].restarts += 1
            let restarts = slots[slot].restarts
            return modify(slot, touched: &touched) { pod in
                pod.status.containerStatuses[0].containerID = "containerd://\(pod.metadata.uid)-\(restarts)"
            }
        case .duplicate(let slot):
            guard let pod = slots[slot].current else { return [] }
            return [.event(.modified(pod))]
        case .stale(let slot):
            guard let previous = slots[slot].previous, previous.metadata.uid == slots[slot].current?.metadata.uid else { return [] }
            return [.event(.modified(previous))]
        case .deletePod(let slot):
            guard let pod = slots[slot].current else { return [] }
            slots[slot].previous = pod
            slots[slot].current = nil
            touched.insert(pod.metadata.uid)
            desired[pod.metadata.uid] = nil
            return [.event(.deleted(pod))]
        case .recreatePod(let slot):
            var deliveries: [Delivery] = []
            var annotations: [String: String] = [:]
            if let old = slots[slot].current {
                annotations = old.metadata.annotations
                deliveries += apply(.deletePod(slot: slot), touched: &touched)
            }
            slots[slot].incarnation += 1
            let pod = makePod(slot: slot, incarnation: slots[slot].incarnation, annotations: annotations)
            slots[slot].current = pod
            slots[slot].previous = nil
            slots[slot].restarts = 0
            touched.insert(pod.metadata.uid)
            updateDesired(pod)
            deliveries.append(.event(.added(pod)))
            return deliveries
        case .crashProcess(let slot):
            guard let pod = slots[slot].current else { return [] }
            return [.crash(pod.metadata.uid)]
        case .failNextStart(let slot):
            guard let pod = slots[slot].current else { return [] }
            return [.failNextStart(pod.metadata.uid)]
        case .advanceClock(let ms):
            return [.advance(.milliseconds(ms))]
        case .resync:
            return [.event(.resynced(slots.compactMap(\.current)))]
        }
    }

    private mutating func modify(_ slot: Int, touched: inout Set<String>, _ change: (inout Pod) -> Void) -> [Delivery] {
        guard var pod = slots[slot].current else { return [] }
        slots[slot].previous = pod
        change(&pod)
        version += 1
        pod.metadata.resourceVersion = String(version)
        slots[slot].current = pod
        touched.insert(pod.metadata.uid)
        updateDesired(pod)
        return [.event(.modified(pod))]
    }

    private mutating func updateDesired(_ pod: Pod) {
        let uid = pod.metadata.uid
        guard pod.spec.nodeName == node, pod.metadata.deletionTimestamp == nil,
              case .capture(let spec) = CaptureRequest.parse(annotations: pod.metadata.annotations, maxFiles: settings.maxFiles)
        else {
            desired[uid] = nil
            return
        }
        desired[uid] = CapturePlan(pod: PodRef(pod), fileCount: spec.fileCount, settings: settings, options: spec.options)
    }
}
