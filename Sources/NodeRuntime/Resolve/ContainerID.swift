/// A container ID as the kubelet reports it, split into runtime scheme and bare ID.
///
/// `containerd://0123…` becomes `runtime: "containerd"`, `id: "0123…"`. The bare ID is what
/// appears in cgroup paths, whatever the runtime.
public struct ContainerID: Sendable, Hashable, CustomStringConvertible {
    /// The scheme before `://` (`containerd`, `cri-o`, `docker`, …).
    public var runtime: String
    /// The runtime's ID of the container, as used in its cgroup name.
    public var id: String

    /// Parses `<runtime>://<id>`; `nil` when the shape is wrong or the ID could not be a
    /// single cgroup path segment (which would make matching it ambiguous).
    public init?(_ raw: String) {
        let bytes = Array(raw.utf8)
        let marker = Array("://".utf8)
        guard let start = bytes.indices.first(where: { bytes[$0...].starts(with: marker) }) else { return nil }
        let runtime = String(decoding: bytes[..<start], as: UTF8.self)
        let id = String(decoding: bytes[(start + marker.count)...], as: UTF8.self)
        guard !runtime.isEmpty, !id.isEmpty, id.utf8.count <= 256 else { return nil }
        for byte in id.utf8 where byte == UInt8(ascii: "/") || byte == UInt8(ascii: ":") || byte <= 0x20 || byte == 0x7F {
            return nil
        }
        self.runtime = runtime
        self.id = id
    }

    public var description: String { "\(runtime)://\(id)" }
}
