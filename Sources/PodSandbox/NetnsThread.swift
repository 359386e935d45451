import Glibc

/// Runs a closure on a fresh OS thread that has joined a network namespace.
///
/// The network namespace is a per-thread attribute, so switching a thread of Swift's shared
/// executor would leak into unrelated tasks. A socket keeps the namespace it was created in,
/// so creating sockets here and using them from any thread afterwards is enough.
enum NetnsThread {
    private final class Job {
        let path: String
        let body: () -> Int32
        var result: Int32 = -1
        var error: SandboxError?
        init(path: String, body: @escaping () -> Int32) {
            self.path = path
            self.body = body
        }
    }

    /// `setns(2)` and `CLONE_NEWNET` are behind `_GNU_SOURCE`, which the Glibc module does not
    /// define, and this package has no C shim for the sandbox; libc exports the symbol anyway.
    private static let setns: (@convention(c) (Int32, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "setns") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (Int32, Int32) -> Int32).self)
    }()

    private static let cloneNewNet: Int32 = 0x4000_0000

    /// Runs `body` inside the namespace mounted at `netnsPath`; returns its result (an fd, or
    /// `-errno`: errno is per thread, so the body must capture it there).
    ///
    /// Joins the thread, blocking the caller for the microseconds a socket() call takes.
    static func run(in netnsPath: String, _ body: @escaping () -> Int32) throws(SandboxError) -> Int32 {
        let job = Job(path: netnsPath, body: body)
        let context = Unmanaged.passRetained(job).toOpaque()
        var thread = pthread_t()
        let rc = pthread_create(&thread, nil, { raw in
            let job = Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue()
            let fd = open(job.path, O_RDONLY | O_CLOEXEC)
            guard fd >= 0 else {
                job.error = .system("open", path: job.path, errno: errno)
                return nil
            }
            defer { close(fd) }
            guard let setns = Self.setns, setns(fd, Self.cloneNewNet) == 0 else {
                job.error = .system("setns", path: job.path, errno: errno)
                return nil
            }
            job.result = job.body()
            return nil
        }, context)
        guard rc == 0 else {
            Unmanaged<Job>.fromOpaque(context).release()
            throw .system("pthread_create", path: netnsPath, errno: rc)
        }
        pthread_join(thread, nil)
        if let error = job.error { throw error }
        return job.result
    }
}
