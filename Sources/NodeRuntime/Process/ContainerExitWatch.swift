import Actors
import CPidfd
import Dispatch
import Glibc
import Synchronization

/// Watches the main process of each of a Pod's containers through a pidfd, for
/// `stop-on: container-restart`.
///
/// The kernel makes a pidfd readable the moment its process exits, so a crash is seen in
/// milliseconds, long before the kubelet's next relist reports it and restarts the container
/// (whose new traffic would otherwise land in the ring). A pidfd also names one process, never
/// a later one that reuses the PID. The Pod status remains the backstop (the Supervisor
/// compares restart counts and container IDs), for a container podcap could not watch.
final class ContainerExitWatch: Sendable {
    private let ended = OneShot<ContainerEnd>()
    /// Dispatch sources are not Sendable; only `cancel()` touches them after `init`.
    private let sources: Mutex<[any DispatchSourceRead]>

    private static let queue = DispatchQueue(label: "podcap.container-exit-watch")

    /// Watches `processes` (container name, main PID). A process that is already gone counts
    /// as ended at once.
    init(_ processes: [(container: String, pid: Int32)]) {
        var sources: [any DispatchSourceRead] = []
        let ended = self.ended
        for (container, pid) in processes {
            let fd = pidfd_open(pid, 0)
            guard fd >= 0 else {
                _ = ended.fulfill(ContainerEnd(container: container, detail: "exited (its main process \(pid) was gone before the capture started)"))
                continue
            }
            let source = DispatchSource.makeReadSource(fileDescriptor: fd, queue: Self.queue)
            source.setEventHandler {
                _ = ended.fulfill(ContainerEnd(container: container, detail: "exited (its main process \(pid) ended)"))
            }
            source.setCancelHandler { close(fd) }
            source.resume()
            sources.append(source)
        }
        self.sources = Mutex(sources)
    }

    /// The first container that ended; `nil` if the waiting task is cancelled first.
    func wait() async -> ContainerEnd? {
        await ended.valueUnlessCancelled()
    }

    /// Stops watching and closes the pidfds; called once the capture process is gone.
    func cancel() {
        let all = sources.withLock { sources in
            defer { sources.removeAll() }
            return sources
        }
        for source in all { source.cancel() }
    }
}
