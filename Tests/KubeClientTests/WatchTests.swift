import Foundation
import KubeClient
import KubeSim
import TestSupport
import Testing

@Suite("PodListWatcher against KubeSim")
struct WatchTests {
    let node = "node-1"

    @Test func paginatedInitialListThenOrderedEvents() async throws {
        try await withSimClient { sim, client in
            let ns = TestNames.unique("ns")
            for i in 0..<7 { try sim.createPod(namespace: ns, name: "p\(i)", nodeName: node) }
            for i in 0..<3 { try sim.createPod(namespace: ns, name: "other\(i)", nodeName: "node-2") }
            let status = PodWatchStatus()
            let watcher = PodListWatcher(client: client, nodeName: node, options: watcherOptions(pageSize: 3), status: status)
            let events = EventCollector()
            try await withRunningSource(watcher, into: events) {
                #expect(await events.wait { !$0.isEmpty })
                #expect(events.events.first?.summary == "=[p0,p1,p2,p3,p4,p5,p6]")
                #expect(status.isSynced)
                let lists = sim.requests().filter { $0.path.hasSuffix("/pods") && !$0.isWatch }
                #expect(lists.count == 3)
                #expect(lists.dropFirst().allSatisfy { $0.query["continue"] != nil && $0.query["limit"] == "3" })
                #expect(lists.allSatisfy { $0.query["fieldSelector"] == "spec.nodeName=\(node)" })

                try sim.createPod(namespace: ns, name: "new", nodeName: node)
                try sim.createPod(namespace: ns, name: "elsewhere", nodeName: "node-2")
                try sim.setPodRunning(namespace: ns, name: "new")
                try sim.annotatePod(namespace: ns, name: "new", key: "tcpdump.antrea.io", value: "3")
                try sim.deletePod(namespace: ns, name: "new")
                try sim.deletePod(namespace: ns, name: "p0")
                #expect(await events.wait { $0.count >= 8 })
                // A scheduled Pod's delete is an update (deletionTimestamp) then the removal, as on a real server.
                #expect(events.events.dropFirst().map(\.summary) == ["+new", "~new", "~new", "~new", "-new", "~p0", "-p0"])
                if case .modified(let pod) = events.events[3] {
                    #expect(pod.metadata.annotations["tcpdump.antrea.io"] == "3")
                    #expect(pod.status.phase == "Running")
                }
                let watch = sim.requests().first { $0.isWatch }
                #expect(watch?.query["allowWatchBookmarks"] == "true")
                #expect(watch?.query["resourceVersion"].flatMap { Int($0) } != nil)
            }
        }
    }

    @Test func bookmarkOnlyAdvancesResourceVersion() async throws {
        try await withSimClient { sim, client in
            let ns = TestNames.unique("ns")
            try sim.createPod(namespace: ns, name: "a", nodeName: node)
            let stats = StatsWaiter()
            let watcher = PodListWatcher(client: client, nodeName: node, options: watcherOptions(),
                                         status: PodWatchStatus(observer: stats))
            let events = EventCollector()
            try await withRunningSource(watcher, into: events) {
                #expect(await events.wait { !$0.isEmpty })
                _ = await sim.waitForRequest { $0.isWatch }
                // A change the node does not see moves the server's resourceVersion on.
                try sim.createPod(namespace: ns, name: "b", nodeName: "node-2")
                let target = String(sim.resourceVersion)
                sim.sendBookmarkNow()
                #expect(await stats.wait { $0.bookmarks >= 1 && $0.resourceVersion == target })
                #expect(events.events.count == 1)  // the bookmark emitted nothing
                sim.dropOpenWatches()
                let resumed = await sim.waitForRequest { $0.isWatch && $0.query["resourceVersion"] == target }
                #expect(resumed != nil)
            }
        }
    }

    @Test func droppedConnectionResumesWithoutLossOrDuplicates() async throws {
        try await withSimClient { sim, client in
            let ns = TestNames.unique("ns")
            sim.injectWatchFault(.dropAfter(events: 2))
            sim.injectWatchFault(.dropAfter(events: 1))
            let status = PodWatchStatus()
            let watcher = PodListWatcher(client: client, nodeName: node, options: watcherOptions(), status: status)
            let events = EventCollector()
            try await withRunningSource(watcher, into: events) {
                #expect(await events.wait { !$0.isEmpty })
                for i in 0..<6 { try sim.createPod(namespace: ns, name: "p\(i)", nodeName: node) }
                #expect(await events.wait { $0.count >= 7 })
                #expect(events.events.map(\.summary) == ["=[]", "+p0", "+p1", "+p2", "+p3", "+p4", "+p5"])
                #expect(status.stats.reconnects >= 2)
                #expect(status.stats.relists == 0)
            }
        }
    }

    /// Disconnects the watcher (watch requests fail with 503), applies `whileAway`, then lets it reconnect.
    func reconnectAfter(
        _ sim: KubeSim, _ client: KubernetesClient, ns: String, whileAway: @Sendable () throws -> Void
    ) async throws -> (EventCollector, PodWatchStatus) {
        try sim.createPod(namespace: ns, name: "a", nodeName: node)
        try sim.createPod(namespace: ns, name: "b", nodeName: node)
        let status = PodWatchStatus()
        let watcher = PodListWatcher(client: client, nodeName: node, options: watcherOptions(), status: status)
        let events = EventCollector()
        try await withRunningSource(watcher, into: events) {
            #expect(await events.wait { !$0.isEmpty })
            #expect(events.events[0].summary == "=[a,b]")
            _ = await sim.waitForRequest { $0.isWatch }
            sim.failNextRequests(1000, with: RequestFault(code: 503, watchOnly: true))
            sim.dropOpenWatches()
            #expect(await sim.waitForRequest { $0.isWatch && $0.code == 503 } != nil)
            try whileAway()
            sim.clearRequestFaults()
            #expect(await events.wait { $0.count >= 2 })
        }
        return (events, status)
    }

    @Test func expiredAsWatchEventRelistsAndResyncsDeletions() async throws {
        try await withSimClient { sim, client in
            let ns = TestNames.unique("ns")
            let (events, status) = try await reconnectAfter(sim, client, ns: ns) {
                try sim.deletePod(namespace: ns, name: "b")
                try sim.createPod(namespace: ns, name: "c", nodeName: node)
                sim.compactHistory()
            }
            #expect(events.events.map(\.summary) == ["=[a,b]", "=[a,c]"])
            #expect(status.stats.expired == 1 && status.stats.relists == 1)
            #expect(sim.requests().contains { $0.isWatch && $0.code == 200 })
        }
    }

    @Test func expiredAsHTTPStatusRelistsAndResyncsDeletions() async throws {
        try await withSimClient { sim, client in
            let ns = TestNames.unique("ns")
            let (events, status) = try await reconnectAfter(sim, client, ns: ns) {
                try sim.deletePod(namespace: ns, name: "a")
                sim.injectWatchFault(.expiredAsHTTPStatus)
            }
            #expect(events.events.map(\.summary) == ["=[a,b]", "=[b]"])
            #expect(status.stats.expired == 1 && status.stats.relists == 1)
            #expect(sim.requests().contains { $0.isWatch && $0.code == 410 })
        }
    }

    @Test func retryAfterIsHonoured() async throws {
        try await withSimClient { sim, client in
            sim.failNextRequests(2, with: RequestFault(code: 429, retryAfterSeconds: 1, pathContains: "/pods"))
            let status = PodWatchStatus()
            let watcher = PodListWatcher(client: client, nodeName: node, options: watcherOptions(), status: status)
            let events = EventCollector()
            try await withRunningSource(watcher, into: events) {
                #expect(await events.wait { !$0.isEmpty })
                let lists = sim.requests().filter { $0.path == "/api/v1/pods" }
                #expect(lists.map(\.code).prefix(3) == [429, 429, 200])
                #expect(lists[1].arrived - lists[0].arrived >= .seconds(1))
                #expect(lists[2].arrived - lists[1].arrived >= .seconds(1))
                #expect(status.stats.failures == 2)
            }
        }
    }

    @Test func serverErrorsBackOffExponentially() async throws {
        try await withSimClient { sim, client in
            let backoff = BackoffPolicy(initial: .milliseconds(50), maximum: .seconds(1), jitter: 0)
            sim.failNextRequests(3, with: RequestFault(code: 500, pathContains: "/pods"))
            let watcher = PodListWatcher(client: client, nodeName: node, options: watcherOptions(backoff: backoff))
            let events = EventCollector()
            try await withRunningSource(watcher, into: events) {
                #expect(await events.wait { !$0.isEmpty })
                let t = sim.requests().filter { $0.path == "/api/v1/pods" }.map(\.arrived)
                #expect(t.count >= 4)
                #expect(t[1] - t[0] >= .milliseconds(50))
                #expect(t[2] - t[1] >= .milliseconds(100))
                #expect(t[3] - t[2] >= .milliseconds(200))
            }
        }
    }

    @Test func rotatedTokenFileIsPickedUp() async throws {
        let dir = try tempDir()
        try write("old-token\n", to: dir + "/token")
        try await withSimClient(KubeSim.Options(tokens: ["old-token"]),
                                clientOptions: .init(tokenRecheckInterval: .zero),
                                config: { sim in KubeConfig(server: sim.url, token: .file(path: dir + "/token")) }) { sim, client in
            let ns = TestNames.unique("ns")
            let watcher = PodListWatcher(client: client, nodeName: node, options: watcherOptions())
            let events = EventCollector()
            try await withRunningSource(watcher, into: events) {
                #expect(await events.wait { !$0.isEmpty })
                _ = await sim.waitForRequest { $0.isWatch }
                try write("new-token\n", to: dir + "/token")
                sim.setTokens(["new-token"])
                sim.dropOpenWatches()
                try sim.createPod(namespace: ns, name: "after-rotation", nodeName: node)
                #expect(await events.wait { $0.contains { $0.summary == "+after-rotation" } })
                #expect(!sim.requests().contains { $0.code == 401 })
            }
        }
    }

    @Test(arguments: [WatchFault.garbageAfter(events: 1), .halfLineAfter(events: 1)])
    func undecodableLineIsReportedAndStreamRecovers(fault: WatchFault) async throws {
        try await withSimClient { sim, client in
            let ns = TestNames.unique("ns")
            sim.injectWatchFault(fault)
            let status = PodWatchStatus()
            let watcher = PodListWatcher(client: client, nodeName: node, options: watcherOptions(), status: status)
            let events = EventCollector()
            try await withRunningSource(watcher, into: events) {
                #expect(await events.wait { !$0.isEmpty })
                for i in 0..<3 { try sim.createPod(namespace: ns, name: "p\(i)", nodeName: node) }
                #expect(await events.wait { $0.count >= 4 })
                #expect(events.events.map(\.summary) == ["=[]", "+p0", "+p1", "+p2"])
                #expect(status.stats.decodeErrors == 1)
                #expect(status.stats.reconnects >= 1)
            }
        }
    }

    @Test func stalledWatchHitsIdleDeadlineAndResumes() async throws {
        try await withSimClient { sim, client in
            let ns = TestNames.unique("ns")
            sim.injectWatchFault(.stallAfter(events: 1))
            let status = PodWatchStatus()
            let watcher = PodListWatcher(client: client, nodeName: node,
                                         options: watcherOptions(idle: .milliseconds(400)), status: status)
            let events = EventCollector()
            try await withRunningSource(watcher, into: events) {
                #expect(await events.wait { !$0.isEmpty })
                try sim.createPod(namespace: ns, name: "p0", nodeName: node)
                try sim.createPod(namespace: ns, name: "p1", nodeName: node)
                #expect(await events.wait { $0.count >= 3 })
                #expect(events.events.map(\.summary) == ["=[]", "+p0", "+p1"])
                #expect(status.stats.stalls == 1)
            }
        }
    }

    @Test func quicklyClosedEmptyWatchCountsAsFailure() async throws {
        try await withSimClient { sim, client in
            // timeoutSeconds=0: every watch closes at once with no events.
            let counters = StatsWaiter()
            let status = PodWatchStatus(observer: counters)
            let watcher = PodListWatcher(client: client, nodeName: node,
                                         options: watcherOptions(timeout: 0...0), status: status)
            let events = EventCollector()
            try await withRunningSource(watcher, into: events) {
                #expect(await events.wait { !$0.isEmpty })
                _ = await sim.waitForRequest { _ in sim.requests().filter(\.isWatch).count >= 3 }
                let watches = sim.requests().filter(\.isWatch).map(\.arrived)
                #expect(watches.count >= 3)
                #expect(watches[2] - watches[1] >= .milliseconds(20))
                // The failure is counted when the client notices the close, which can come after
                // the server logged the request: await the counter rather than read it once.
                #expect(await counters.wait { $0.failures >= 2 })
            }
        }
    }
}
