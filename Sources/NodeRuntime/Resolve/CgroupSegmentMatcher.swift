/// Decides whether one segment of a cgroup path names a given container, without allocating.
///
/// Runtimes and cgroup drivers name a container's cgroup differently:
/// systemd driver `cri-containerd-<id>.scope`, `crio-<id>.scope`, `docker-<id>.scope`
/// (`libpod-<id>.scope` for podman), cgroupfs driver a bare `<id>` (CRI-O: `crio-<id>`), and
/// nested setups where systemd is not managing the hierarchy `<slice>:cri-containerd:<id>`.
/// The whole segment must match one of these shapes: `crio-conmon-<id>.scope` (conmon runs in
/// the host network namespace) and an ID that is only a prefix of another never match.
struct CgroupSegmentMatcher: Sendable {
    let id: [UInt8]

    private static let prefixes: [[UInt8]] = ["", "cri-containerd-", "crio-", "docker-", "libpod-"].map { Array($0.utf8) }
    private static let colonForms: [[UInt8]] = [":cri-containerd:", ":crio:", ":docker:"].map { Array($0.utf8) }
    private static let scope = Array(".scope".utf8)

    init(id: String) { self.id = Array(id.utf8) }

    /// `segment` is one `/`-separated component of a cgroup path.
    func matches(_ segment: UnsafeRawBufferPointer) -> Bool {
        let n = id.count
        guard segment.count >= n else { return false }
        var end = segment.count
        var scoped = false
        if Self.hasSuffix(segment, end: end, Self.scope) {
            end -= Self.scope.count
            scoped = true
        }
        guard end >= n, Self.equal(segment, from: end - n, to: id) else { return false }
        let prefixLength = end - n
        for prefix in Self.prefixes where prefix.count == prefixLength {
            if Self.equal(segment, from: 0, to: prefix) { return true }
        }
        if !scoped {
            for form in Self.colonForms where form.count < prefixLength || form.count == prefixLength {
                if Self.equal(segment, from: prefixLength - form.count, to: form) {
                    // The slice name before the colon form must be non-empty.
                    return prefixLength > form.count
                }
            }
        }
        return false
    }

    private static func hasSuffix(_ bytes: UnsafeRawBufferPointer, end: Int, _ suffix: [UInt8]) -> Bool {
        end >= suffix.count && equal(bytes, from: end - suffix.count, to: suffix)
    }

    private static func equal(_ bytes: UnsafeRawBufferPointer, from start: Int, to pattern: [UInt8]) -> Bool {
        guard start >= 0, start + pattern.count <= bytes.count else { return false }
        var i = 0
        while i < pattern.count {
            if bytes[start + i] != pattern[i] { return false }
            i += 1
        }
        return true
    }
}
