import Synchronization
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

extension KubeSim {
    static func key(_ namespace: String, _ name: String) -> String { namespace + "/" + name }

    static func now() -> String {
        var f = Date.ISO8601FormatStyle()
        f.timeZone = .gmt
        return f.format(Date())
    }

    /// Defaults the real API server fills into a Pod on create.
    static func applyPodDefaults(_ pod: JSONValue) -> JSONValue {
        var pod = pod
        var spec = pod["spec"]?.objectValue ?? [:]
        let defaults: [String: JSONValue] = [
            "restartPolicy": "Always", "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
            "securityContext": [:], "schedulerName": "default-scheduler", "enableServiceLinks": true,
            "priority": 0, "preemptionPolicy": "PreemptLowerPriority",
        ]
        for (k, v) in defaults where spec[k] == nil { spec[k] = v }
        if case .array(let containers)? = spec["containers"] {
            spec["containers"] = .array(containers.map { c in
                var c = c
                let image = c["image"]?.stringValue ?? ""
                let defaultsC: [String: JSONValue] = [
                    "resources": [:], "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File",
                    "imagePullPolicy": .string(image.hasSuffix(":latest") || !image.contains(":") ? "Always" : "IfNotPresent"),
                ]
                for (k, v) in defaultsC where c[k] == nil { c[k] = v }
                return c
            })
        }
        pod["spec"] = .object(spec)
        return pod
    }

    private static func randomSuffix() -> String {
        let alphabet = Array("bcdfghjklmnpqrstvwxz2456789")
        return String((0..<5).map { _ in alphabet.randomElement()! })
    }

    /// Creates an object as POST does: assigns name (generateName), uid, resourceVersion and timestamps.
    func createObject(_ r: SimResource, namespace: String, body: JSONValue) throws(SimStatus) -> JSONValue {
        guard case .object = body else { throw SimStatus.badRequest("the body of the request was not a JSON object") }
        var obj = body
        var meta = obj["metadata"]?.objectValue ?? [:]
        if let ns = meta["namespace"]?.stringValue, !ns.isEmpty, ns != namespace {
            throw SimStatus.badRequest("the namespace of the provided object does not match the namespace sent on the request")
        }
        var name = meta["name"]?.stringValue ?? ""
        if name.isEmpty, let prefix = meta["generateName"]?.stringValue, !prefix.isEmpty {
            name = prefix + Self.randomSuffix()
        }
        let kind = r == .pods ? "Pod" : "Event"
        if name.isEmpty { throw SimStatus.invalid(kind, "", "metadata.name: Required value: name or generateName is required") }
        if r == .pods {
            let containers: [JSONValue]
            if case .array(let c)? = obj["spec"]?["containers"] { containers = c } else { containers = [] }
            if containers.isEmpty {
                throw SimStatus.invalid(kind, name, "spec.containers: Required value")
            }
            for c in containers where (c["image"]?.stringValue ?? "").isEmpty {
                throw SimStatus.invalid(kind, name, "spec.containers[0].image: Required value")
            }
        }
        meta["name"] = .string(name)
        meta["namespace"] = .string(namespace)
        meta["uid"] = .string(UUID().uuidString.lowercased())
        meta["creationTimestamp"] = .string(Self.now())
        obj["metadata"] = .object(meta)
        if r == .pods {
            obj["kind"] = "Pod"
            obj["apiVersion"] = "v1"
            obj = Self.applyPodDefaults(obj)
            // The kubelet owns status: whatever the client sent is replaced, as on a real server.
            obj["status"] = ["phase": "Pending", "qosClass": "BestEffort"]
        }
        let key = Self.key(namespace, name)
        let resourceName = r.rawValue
        let (result, waiters) = try state.withLock { s throws(SimStatus) -> (JSONValue, [CheckedContinuation<Void, Never>]) in
            if s.objects[r]?[key] != nil { throw SimStatus.alreadyExists(resourceName, name) }
            let rv = s.nextRV()
            obj["metadata"]?["resourceVersion"] = .string(String(rv))
            s.objects[r, default: [:]][key] = obj
            return (obj, s.record(SimChange(rv: rv, resource: r, type: "ADDED", object: obj, previous: nil)))
        }
        waiters.forEach { $0.resume() }
        return result
    }

    func getObject(_ r: SimResource, namespace: String, name: String) throws(SimStatus) -> JSONValue {
        guard let obj = state.withLock({ $0.objects[r]?[Self.key(namespace, name)] }) else {
            throw SimStatus.notFound(r.rawValue, name)
        }
        return obj
    }

    /// Objects sorted by key (as etcd returns them) and the current resourceVersion.
    func listObjects(_ r: SimResource, namespace: String?, where matches: (JSONValue) -> Bool) -> ([JSONValue], Int) {
        let (all, rv) = state.withLock { s in (s.objects[r] ?? [:], s.rv) }
        let prefix = namespace.map { $0 + "/" }
        let items = all.filter { prefix == nil || $0.key.hasPrefix(prefix!) }
            .sorted { $0.key < $1.key }
            .map(\.value)
            .filter(matches)
        return (items, rv)
    }

    /// Replaces an object with `transform(current)`; a result equal to the current object is a no-op
    /// (no new resourceVersion, no watch event), as on a real server.
    func updateObject(
        _ r: SimResource, namespace: String, name: String,
        _ transform: (JSONValue) throws(SimStatus) -> JSONValue
    ) throws(SimStatus) -> JSONValue {
        let key = Self.key(namespace, name)
        let resourceName = r.rawValue
        let (result, waiters) = try state.withLock { s throws(SimStatus) -> (JSONValue, [CheckedContinuation<Void, Never>]) in
            guard let current = s.objects[r]?[key] else { throw SimStatus.notFound(resourceName, name) }
            var next = try transform(current)
            if let sent = next["metadata"]?["resourceVersion"]?.stringValue, !sent.isEmpty,
               sent != current["metadata"]?["resourceVersion"]?.stringValue {
                throw SimStatus.conflict(resourceName, name)
            }
            for immutable in ["uid", "creationTimestamp", "name", "namespace"] {
                next["metadata"]?[immutable] = current["metadata"]?[immutable]
            }
            next["metadata"]?["resourceVersion"] = current["metadata"]?["resourceVersion"]
            if next == current { return (current, []) }
            let rv = s.nextRV()
            next["metadata"]?["resourceVersion"] = .string(String(rv))
            s.objects[r, default: [:]][key] = next
            return (next, s.record(SimChange(rv: rv, resource: r, type: "MODIFIED", object: next, previous: current)))
        }
        waiters.forEach { $0.resume() }
        return result
    }

    /// Deletes an object. A scheduled, non-terminated Pod with a non-zero grace period is only marked
    /// (deletionTimestamp), as the real server waits for the kubelet; `gracePeriodSeconds=0` removes it.
    func deleteObject(_ r: SimResource, namespace: String, name: String, gracePeriod: Int?) throws(SimStatus) -> JSONValue {
        let key = Self.key(namespace, name)
        let resourceName = r.rawValue
        let (result, waiters) = try state.withLock { s throws(SimStatus) -> (JSONValue, [CheckedContinuation<Void, Never>]) in
            guard let current = s.objects[r]?[key] else { throw SimStatus.notFound(resourceName, name) }
            if r == .pods {
                let scheduled = !(current["spec"]?["nodeName"]?.stringValue ?? "").isEmpty
                let phase = current["status"]?["phase"]?.stringValue ?? ""
                let grace = gracePeriod ?? Int(current["spec"]?["terminationGracePeriodSeconds"]?.intValue ?? 30)
                if scheduled && phase != "Succeeded" && phase != "Failed" && grace > 0 {
                    if current["metadata"]?["deletionTimestamp"] != nil { return (current, []) }
                    var marked = current
                    let when = Date().addingTimeInterval(TimeInterval(grace))
                    var f = Date.ISO8601FormatStyle()
                    f.timeZone = .gmt
                    marked["metadata"]?["deletionTimestamp"] = .string(f.format(when))
                    marked["metadata"]?["deletionGracePeriodSeconds"] = .int(Int64(grace))
                    let rv = s.nextRV()
                    marked["metadata"]?["resourceVersion"] = .string(String(rv))
                    s.objects[r]?[key] = marked
                    return (marked, s.record(SimChange(rv: rv, resource: r, type: "MODIFIED", object: marked, previous: current)))
                }
            }
            var before = current
            var waiters: [CheckedContinuation<Void, Never>] = []
            if r == .pods, !(current["spec"]?["nodeName"]?.stringValue ?? "").isEmpty,
               current["metadata"]?["deletionTimestamp"] == nil,
               !["Succeeded", "Failed"].contains(current["status"]?["phase"]?.stringValue ?? "") {
                // The real server first records deletionTimestamp (grace 0) as an update, then removes the Pod.
                var marked = current
                marked["metadata"]?["deletionTimestamp"] = .string(Self.now())
                marked["metadata"]?["deletionGracePeriodSeconds"] = 0
                let rv = s.nextRV()
                marked["metadata"]?["resourceVersion"] = .string(String(rv))
                waiters += s.record(SimChange(rv: rv, resource: r, type: "MODIFIED", object: marked, previous: current))
                before = marked
            }
            s.objects[r]?[key] = nil
            var gone = before
            let rv = s.nextRV()
            gone["metadata"]?["resourceVersion"] = .string(String(rv))
            waiters += s.record(SimChange(rv: rv, resource: r, type: "DELETED", object: gone, previous: before))
            return (gone, waiters)
        }
        waiters.forEach { $0.resume() }
        return result
    }
}
