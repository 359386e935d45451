import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// An Event as stored by KubeSim, in either API's shape, reduced to what tests check.
public struct SimEvent: Sendable, Equatable {
    public var name: String
    public var namespace: String
    /// `events.k8s.io/v1` or `v1`: the API it was written through.
    public var apiVersion: String
    public var type: String
    public var reason: String
    /// `note` (events.k8s.io) or `message` (core).
    public var message: String
    /// `series.count`, `count`, or 1.
    public var count: Int
    /// Name of the regarding/involved object.
    public var objectName: String
}

/// Driving state and faults from tests, without HTTP.
extension KubeSim {
    /// Creates a Pod from a manifest (see ``SimPods/manifest(namespace:name:nodeName:annotations:labels:containers:)``).
    @discardableResult
    public func createPod(_ manifest: JSONValue) throws -> JSONValue {
        let ns = manifest["metadata"]?["namespace"]?.stringValue ?? "default"
        return try createObject(.pods, namespace: ns, body: manifest)
    }

    /// Creates a Pod scheduled to `nodeName`.
    @discardableResult
    public func createPod(namespace: String, name: String, nodeName: String?, annotations: [String: String] = [:],
                          labels: [String: String] = ["app": "demo"]) throws -> JSONValue {
        try createPod(SimPods.manifest(namespace: namespace, name: name, nodeName: nodeName,
                                       annotations: annotations, labels: labels))
    }

    /// Applies a JSON merge patch to a Pod (not its status), like `kubectl patch --type=merge`.
    @discardableResult
    public func patchPod(namespace: String, name: String, mergePatch: JSONValue) throws -> JSONValue {
        try updateObject(.pods, namespace: namespace, name: name) { current throws(SimStatus) in
            try SimResponder.merge(current: current, proposed: current.mergePatched(with: mergePatch),
                                   resource: .pods, subresource: nil, view: .core)
        }
    }

    /// Sets (or with `nil` removes) one annotation.
    @discardableResult
    public func annotatePod(namespace: String, name: String, key: String, value: String?) throws -> JSONValue {
        try patchPod(namespace: namespace, name: name,
                     mergePatch: ["metadata": ["annotations": .object([key: value.map { .string($0) } ?? .null])]])
    }

    /// Merges `status` into the Pod's status, as the kubelet's status PATCH does.
    @discardableResult
    public func setPodStatus(namespace: String, name: String, status: JSONValue) throws -> JSONValue {
        try updateObject(.pods, namespace: namespace, name: name) { current throws(SimStatus) in
            var next = current
            next["status"] = (current["status"] ?? .object([:])).mergePatched(with: status)
            return next
        }
    }

    /// Marks the Pod Running with ready containers (``SimPods/runningStatus(containers:podIP:hostIP:)``).
    @discardableResult
    public func setPodRunning(namespace: String, name: String, podIP: String = "10.244.1.7") throws -> JSONValue {
        let pod = try getObject(.pods, namespace: namespace, name: name)
        var containers: [String] = []
        if case .array(let cs)? = pod["spec"]?["containers"] { containers = cs.compactMap { $0["name"]?.stringValue } }
        return try setPodStatus(namespace: namespace, name: name,
                                status: SimPods.runningStatus(containers: containers, podIP: podIP))
    }

    /// Deletes a Pod; the default grace period 0 removes it at once (see the DELETE semantics).
    public func deletePod(namespace: String, name: String, gracePeriodSeconds: Int? = 0) throws {
        _ = try deleteObject(.pods, namespace: namespace, name: name, gracePeriod: gracePeriodSeconds)
    }

    /// The stored Pod, or `nil`.
    public func pod(namespace: String, name: String) -> JSONValue? {
        try? getObject(.pods, namespace: namespace, name: name)
    }

    /// The Pod's annotations (empty if absent).
    public func annotations(namespace: String, name: String) -> [String: String] {
        guard case .object(let a)? = pod(namespace: namespace, name: name)?["metadata"]?["annotations"] else { return [:] }
        return a.compactMapValues(\.stringValue)
    }

    /// Events in `namespace`, oldest first.
    public func events(namespace: String) -> [SimEvent] {
        listObjects(.events, namespace: namespace, where: { _ in true }).0
            .map { e in
                let v1 = e["apiVersion"]?.stringValue == "events.k8s.io/v1"
                let count = e["series"]?["count"]?.intValue ?? (v1 ? e["deprecatedCount"] : e["count"])?.intValue ?? 1
                return SimEvent(
                    name: e["metadata"]?["name"]?.stringValue ?? "", namespace: namespace,
                    apiVersion: e["apiVersion"]?.stringValue ?? "", type: e["type"]?.stringValue ?? "",
                    reason: e["reason"]?.stringValue ?? "",
                    message: (v1 ? e["note"] : e["message"])?.stringValue ?? "", count: Int(count),
                    objectName: (v1 ? e["regarding"] : e["involvedObject"])?["name"]?.stringValue ?? "")
            }
            .sorted { $0.name < $1.name }
    }

    /// The latest resourceVersion.
    public var resourceVersion: Int { state.withLock { $0.rv } }

    /// The oldest resourceVersion a watch can still resume from.
    public var oldestResumableResourceVersion: Int { state.withLock { $0.compactedRV } }

    /// Queues a fault for the next watch request (faults are consumed in order, one per watch).
    public func injectWatchFault(_ fault: WatchFault) {
        bump { $0.watchFaults.append(fault) }
    }

    /// Makes the next `count` matching requests fail with `fault`.
    public func failNextRequests(_ count: Int, with fault: RequestFault) {
        bump { s in s.requestFaults.append(contentsOf: Array(repeating: fault, count: count)) }
    }

    /// Cancels request faults not yet used.
    public func clearRequestFaults() {
        bump { $0.requestFaults.removeAll() }
    }

    /// Discards all history, so every watch or continue token from before now gets 410.
    public func compactHistory() {
        bump { s in
            s.history.removeAll()
            s.compactedRV = s.rv
        }
    }

    /// Sends a BOOKMARK on every open watch that allows bookmarks.
    public func sendBookmarkNow() {
        bump { $0.bookmarkGeneration += 1 }
    }

    /// Aborts every open watch connection.
    public func dropOpenWatches() {
        bump { $0.dropGeneration += 1 }
    }

    /// Replaces the accepted bearer tokens (token rotation).
    public func setTokens(_ tokens: Set<String>) {
        bump { $0.tokens = tokens }
    }

    /// Turns `events.k8s.io/v1` on or off.
    public func setServesEventsV1(_ serves: Bool) {
        bump { $0.eventsV1Served = serves }
    }

    /// Every request served so far, in arrival order.
    public func requests() -> [SimRequest] { state.withLock { $0.requests } }

    /// Number of watch streams currently open.
    public var openWatchCount: Int { state.withLock { $0.openWatches } }

    /// Waits until a served request satisfies `predicate` (checking those already served first).
    /// - Returns: the request, or `nil` after `timeout`.
    public func waitForRequest(
        timeout: Duration = .seconds(10), where predicate: (SimRequest) -> Bool
    ) async -> SimRequest? {
        let end = ContinuousClock.now + timeout
        while true {
            let gen = generation
            if let r = requests().first(where: predicate) { return r }
            if ContinuousClock.now >= end || isShuttingDown { return nil }
            await awaitChange(after: gen, timeout: end - .now)
        }
    }
}
