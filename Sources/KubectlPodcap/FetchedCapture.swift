/// One Pod's capture as downloaded: its files in the output directory, each checked by libpcap.
struct FetchedCapture {
    struct File {
        var path: String
        var bytes: Int
        var packets: Int
    }

    var pod: PodItem
    var files: [File]
    var addresses: Set<String>
    var seconds: Double

    var bytes: Int { files.reduce(0) { $0 + $1.bytes } }
    var packets: Int { files.reduce(0) { $0 + $1.packets } }
}
