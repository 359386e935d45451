#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif

/// Builders of real-shaped Kubernetes objects for tests, demos and benchmarks.
public enum SimPods {
    /// A Pod manifest as a user would submit it (the server adds uid, resourceVersion, defaults and status).
    public static func manifest(
        namespace: String, name: String, nodeName: String?, annotations: [String: String] = [:],
        labels: [String: String] = ["app": "demo"], containers: [String] = ["app"]
    ) -> JSONValue {
        var spec: [String: JSONValue] = [
            "containers": .array(containers.map { c in
                ["name": .string(c), "image": "registry.k8s.io/pause:3.9",
                 "ports": [["containerPort": 8080, "protocol": "TCP"]]]
            }),
        ]
        if let nodeName { spec["nodeName"] = .string(nodeName) }
        return [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": [
                "name": .string(name), "namespace": .string(namespace),
                "labels": .object(labels.mapValues { .string($0) }),
                "annotations": .object(annotations.mapValues { .string($0) }),
            ],
            "spec": .object(spec),
        ]
    }

    /// A running Pod's `status` as the kubelet writes it, with one container status per container.
    public static func runningStatus(containers: [String] = ["app"], podIP: String = "10.244.1.7",
                                     hostIP: String = "172.18.0.2") -> JSONValue {
        let started = "2024-05-01T10:00:00Z"
        return [
            "phase": "Running", "hostIP": .string(hostIP), "podIP": .string(podIP),
            "podIPs": [["ip": .string(podIP)]], "startTime": .string(started), "qosClass": "BestEffort",
            "conditions": .array(["Initialized", "Ready", "ContainersReady", "PodScheduled"].map {
                ["type": .string($0), "status": "True", "lastProbeTime": nil, "lastTransitionTime": .string(started)]
            }),
            "containerStatuses": .array(containers.enumerated().map { i, c in
                [
                    "name": .string(c), "ready": true, "started": true, "restartCount": 0,
                    "image": "registry.k8s.io/pause:3.9",
                    "imageID": "registry.k8s.io/pause@sha256:7031c1b283388d2c2e09b57badb803c05ebed362dc88d84b480cc47f72a21097",
                    "containerID": .string("containerd://" + String(repeating: String(UInt8(truncatingIfNeeded: i + 0x4f) >> 4, radix: 16) + String(UInt8(truncatingIfNeeded: i + 0x4f) & 0xf, radix: 16), count: 32)),
                    "state": ["running": ["startedAt": .string(started)]], "lastState": [:],
                ]
            }),
        ]
    }

    /// A complete server-side Pod (as listed or watched) of a realistic size (~3–5 KB), for benchmarks.
    public static func realistic(namespace: String, name: String, nodeName: String, resourceVersion: Int,
                                 uid: String = UUID().uuidString.lowercased()) -> JSONValue {
        var pod = manifest(namespace: namespace, name: name, nodeName: nodeName,
                           annotations: ["tcpdump.antrea.io": "5",
                                         "kubectl.kubernetes.io/last-applied-configuration": "{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"annotations\":{},\"name\":\"\(name)\",\"namespace\":\"\(namespace)\"}}"],
                           labels: ["app": "web", "pod-template-hash": "6d4cf56db6", "tier": "frontend"],
                           containers: ["web", "sidecar"])
        pod = KubeSim.applyPodDefaults(pod)
        pod["metadata"]?["uid"] = .string(uid)
        pod["metadata"]?["resourceVersion"] = .string(String(resourceVersion))
        pod["metadata"]?["creationTimestamp"] = "2024-05-01T09:59:58Z"
        pod["metadata"]?["generateName"] = "web-6d4cf56db6-"
        pod["metadata"]?["ownerReferences"] = [[
            "apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-6d4cf56db6",
            "uid": "1b0b4c4e-7a5a-4f0e-9d0e-3c2b1a0f9e8d", "controller": true, "blockOwnerDeletion": true,
        ]]
        pod["metadata"]?["managedFields"] = [
            ["manager": "kube-controller-manager", "operation": "Update", "apiVersion": "v1",
             "time": "2024-05-01T09:59:58Z", "fieldsType": "FieldsV1",
             "fieldsV1": ["f:metadata": ["f:generateName": [:], "f:labels": [".": [:], "f:app": [:], "f:pod-template-hash": [:]],
                                         "f:ownerReferences": [".": [:], "k:{\"uid\":\"1b0b4c4e-7a5a-4f0e-9d0e-3c2b1a0f9e8d\"}": [:]]],
                          "f:spec": ["f:containers": ["k:{\"name\":\"web\"}": [".": [:], "f:image": [:], "f:imagePullPolicy": [:], "f:name": [:]]],
                                     "f:dnsPolicy": [:], "f:enableServiceLinks": [:], "f:restartPolicy": [:], "f:schedulerName": [:]]]],
            ["manager": "kubelet", "operation": "Update", "apiVersion": "v1", "time": "2024-05-01T10:00:01Z",
             "fieldsType": "FieldsV1", "subresource": "status",
             "fieldsV1": ["f:status": ["f:conditions": ["k:{\"type\":\"Ready\"}": [".": [:], "f:status": [:], "f:type": [:]]],
                                       "f:containerStatuses": [:], "f:hostIP": [:], "f:phase": [:], "f:podIP": [:],
                                       "f:podIPs": [".": [:], "k:{\"ip\":\"10.244.1.7\"}": [".": [:], "f:ip": [:]]], "f:startTime": [:]]]],
        ]
        pod["spec"]?["volumes"] = [[
            "name": "kube-api-access-x7k2p",
            "projected": ["defaultMode": 420, "sources": [
                ["serviceAccountToken": ["expirationSeconds": 3607, "path": "token"]],
                ["configMap": ["name": "kube-root-ca.crt", "items": [["key": "ca.crt", "path": "ca.crt"]]]],
                ["downwardAPI": ["items": [["path": "namespace", "fieldRef": ["apiVersion": "v1", "fieldPath": "metadata.namespace"]]]]],
            ]],
        ]]
        pod["spec"]?["tolerations"] = [
            ["key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300],
            ["key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300],
        ]
        pod["status"] = runningStatus(containers: ["web", "sidecar"])
        return pod
    }
}
