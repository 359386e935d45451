import Actors
import Glibc
import NodeRuntime
import PodSandbox
import Testing

/// Whether this machine can run the tests that create namespaces and run tcpdump.
enum Machine {
    static let unsupportedReason: String? = {
        if let reason = SandboxNetwork.unsupportedReason() { return reason }
        do { _ = try TcpdumpRuntime().checkBinaries() } catch { return "\(error)" }
        return nil
    }()

    static var supported: Bool {
        if let unsupportedReason {
            print("podcap: skipping machine tests: \(unsupportedReason)")
            return false
        }
        return true
    }

    /// The network namespace inode of a process.
    static func netnsInode(of pid: Int32) -> UInt64? {
        var info = stat()
        guard stat("/proc/\(pid)/ns/net", &info) == 0 else { return nil }
        return UInt64(info.st_ino)
    }

    static func target(for pod: SandboxPod, name: String = "web") -> CaptureTarget {
        CaptureTarget(pod: PodRef(namespace: "default", name: name, uid: pod.uid),
                      containers: [.init(name: "app", containerID: pod.containerID)])
    }

    /// Polls `condition` every 10 ms until it holds or `timeout` passes.
    static func eventually(_ timeout: Duration = .seconds(5), _ condition: () -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition()
    }

    /// Starts a capture and always kills it afterwards, even when `body` throws.
    static func withCapture<R: Sendable>(
        _ runtime: TcpdumpRuntime, _ plan: CapturePlan, _ target: CaptureTarget,
        _ body: (any CaptureProcess) async throws -> R
    ) async throws -> R {
        let process = try await runtime.start(plan, target: target)
        do {
            let result = try await body(process)
            _ = await process.kill()
            return result
        } catch {
            _ = await process.kill()
            throw error
        }
    }
}
