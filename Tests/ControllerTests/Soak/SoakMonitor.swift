import Actors
import Foundation
import NodeRuntime

/// Samples podcap and its tcpdumps every second while the workload runs, recording what must
/// never happen (more than `maxConcurrent` tcpdumps, two for one Pod, one in the wrong Pod's
/// network namespace) at once, and what must not last (a desired capture not running while a
/// place is free, a tcpdump of a request that is gone, a zombie child) once it outlived `settle`.
struct SoakMonitor: Sendable {
    let state: SoakState
    let probe: ProcessProbe
    let podcap: Int32
    let launchedAt: Double
    let maxConcurrent: Int
    let settle: Double
    /// Sandbox network-namespace inodes, by sandbox index.
    let netns: [UInt64]

    /// Until cancelled. Resources every 5 s, invariants every second.
    func run() async {
        var tick = 0
        var starvedSince: [String: Double] = [:]
        var zombiesSince: [Int32: Double] = [:]
        while !Task.isCancelled {
            let now = ProcessProbe.uptime()
            check(now: now, starvedSince: &starvedSince, zombiesSince: &zombiesSince)
            if tick % 5 == 0, let fds = ProcessProbe.openFileDescriptors(of: podcap), let rss = ProcessProbe.residentKiB(of: podcap) {
                state.update { $0.samples.append(.init(elapsed: now - launchedAt, fds: fds, rssKiB: rss)) }
            }
            tick += 1
            // The workload's pacing: a sample a second, not a wait for anything.
            try? await Task.sleep(for: .seconds(1))
        }
    }

    private func check(now: Double, starvedSince: inout [String: Double], zombiesSince: inout [Int32: Double]) {
        let tcpdumps = probe.tcpdumps()
        let pods = state.read { Dictionary(uniqueKeysWithValues: $0.pods.map { ($0.name, $0) }) }
        if tcpdumps.count > maxConcurrent {
            state.violation("\(tcpdumps.count) tcpdumps at once, over --max-concurrent \(maxConcurrent): \(tcpdumps.map(\.pod).sorted())")
        }
        let byPod = Dictionary(grouping: tcpdumps, by: \.pod)
        for (name, list) in byPod where list.count > 1 {
            state.violation("Pod \(name) has \(list.count) tcpdumps: PIDs \(list.map(\.pid).sorted())")
        }
        for t in tcpdumps {
            guard let pod = pods[t.pod] else {
                state.violation("tcpdump \(t.pid) writes for \(t.pod), not a Pod of the soak")
                continue
            }
            if let inode = t.netns, inode != netns[pod.sandbox] {
                state.violation("tcpdump \(t.pid) of \(t.pod) captures in another network namespace (inode \(inode))")
            }
            // Stale: the Pod no longer wants it, or it runs for an older request (started before
            // the last change, or with a ring larger than the N now asked for).
            let stale = pod.desiredFiles == nil || t.startedSecondsSinceBoot < pod.lastChange || t.ring > (pod.desiredFiles ?? 0)
            if stale, now - pod.lastChange > settle {
                state.violation("tcpdump \(t.pid) of \(t.pod) (-W \(t.ring)) still runs \(Int(now - pod.lastChange)) s after its request changed to \(pod.desiredFiles.map(String.init) ?? "none")")
            }
        }
        for pod in pods.values {
            let starving = pod.desiredFiles != nil && now - pod.lastChange > settle && byPod[pod.name] == nil
                && tcpdumps.count < maxConcurrent
            guard starving else { starvedSince[pod.name] = nil; continue }
            let since = starvedSince[pod.name] ?? now
            starvedSince[pod.name] = since
            if now - since > settle {
                state.violation("Pod \(pod.name) (N=\(pod.desiredFiles!)) has no tcpdump for \(Int(now - since)) s while only \(tcpdumps.count) of \(maxConcurrent) places are used")
            }
        }
        let zombies = Set(ProcessProbe.zombieChildren(of: podcap))
        zombiesSince = zombiesSince.filter { zombies.contains($0.key) }
        for pid in zombies {
            let since = zombiesSince[pid] ?? now
            zombiesSince[pid] = since
            // A child is reaped within milliseconds of exiting; 3 s unreaped is a leak.
            if now - since > 3 { state.violation("podcap's child \(pid) is a zombie for \(Int(now - since)) s") }
        }
    }
}

/// What must hold once the workload stopped and podcap had time to catch up.
struct SoakSettledCheck: Sendable {
    let state: SoakState
    let probe: ProcessProbe
    let podcap: Int32
    let namespace: String
    let captureDirectory: String
    let maxConcurrent: Int
    let netns: [UInt64]

    /// Everything still wrong; empty when podcap has converged.
    func problems() -> [String] {
        var problems: [String] = []
        let pods = state.read { $0.pods }
        let desired = Dictionary(uniqueKeysWithValues: pods.compactMap { p in p.desiredFiles.map { (p.name, (p, $0)) } })
        let tcpdumps = probe.tcpdumps()
        let running = Dictionary(grouping: tcpdumps, by: \.pod)
        for t in tcpdumps {
            guard let (pod, files) = desired[t.pod] else {
                problems.append("tcpdump \(t.pid) of \(t.pod) runs, but no capture of it is desired")
                continue
            }
            if t.ring > files || t.startedSecondsSinceBoot < pod.lastChange {
                problems.append("tcpdump \(t.pid) of \(t.pod) runs for an older request (-W \(t.ring), N now \(files))")
            }
            if t.netns != netns[pod.sandbox] { problems.append("tcpdump \(t.pid) of \(t.pod) is in the wrong network namespace") }
        }
        for (name, list) in running where list.count > 1 { problems.append("Pod \(name) has \(list.count) tcpdumps") }
        let expected = min(desired.count, maxConcurrent)
        if running.count != expected {
            problems.append("\(running.count) Pods have a tcpdump; \(desired.count) captures are desired, so \(expected) should run")
        }
        let settings = CaptureSettings(directory: captureDirectory)
        let directory = CaptureDirectory(path: captureDirectory)
        var owned = Set<String>()
        for (name, (_, files)) in desired {
            let plan = CapturePlan(pod: PodRef(namespace: namespace, name: name, uid: ""), fileCount: files, settings: settings)
            owned.formUnion(((try? directory.ownedNames(of: plan)) ?? []).map(\.fileName))
        }
        let present = (try? FileManager.default.contentsOfDirectory(atPath: captureDirectory)) ?? []
        let unowned = present.filter { $0 != CaptureDirectoryLock.fileName && !owned.contains($0) }.sorted()
        if !unowned.isEmpty { problems.append("\(unowned.count) files owned by no desired capture: \(unowned.prefix(10))") }
        let zombies = ProcessProbe.zombieChildren(of: podcap)
        if !zombies.isEmpty { problems.append("zombie children of podcap: \(zombies)") }
        return problems
    }
}
