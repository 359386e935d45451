import CaptureOptions

/// How capture file names are derived from a Pod.
public enum FileLayout: String, Sendable, Hashable, CaseIterable {
    /// `capture-<pod>.pcap`, as the task specifies; Pods with one name in two namespaces conflict.
    case flat
    /// `capture-<namespace>_<pod>.pcap`; `_` is legal in neither name, so names never collide.
    case namespaced
}

/// Settings shared by every capture on this node.
public struct CaptureSettings: Sendable, Hashable {
    /// Directory that holds every capture file (`/capture` in the DaemonSet).
    public var directory: String
    /// `tcpdump -C`: rotate after this many MB (tcpdump's MB is 1,000,000 bytes).
    public var fileSizeMB: Int
    /// Upper bound on the annotation value.
    public var maxFiles: Int
    public var layout: FileLayout
    /// Interface to capture on inside the Pod.
    public var interface: String
    /// `tcpdump -B`: the kernel ring per capture. Kernel memory, not charged to the container.
    /// In the default block delivery (TPACKET_V3) packets are packed into the ring by their own
    /// size: 16 MiB holds about two seconds of 50,000 100-byte packets/s. With `immediateMode`
    /// libpcap uses TPACKET_V2, whose fixed frames are sized for the largest packet (64 KiB and
    /// more with the offloads a veth has), so the same 16 MiB holds ~250 packets: 5 ms at that
    /// rate, and tcpdump kept off a core for longer drops packets.
    public var bufferSizeMiB: Int
    /// `tcpdump --immediate-mode`: each packet is handed to tcpdump as it arrives instead of
    /// when a kernel ring block fills or its 1 s timeout retires it. Lower latency for
    /// `kubectl podcap stream`, at the price of a wake-up per packet and kernel drops under
    /// load (see `bufferSizeMiB`). Off by default: a capture must not lose packets.
    public var immediateMode: Bool
    /// Bounds on option values (`--max-duration`).
    public var optionLimits: OptionLimits

    public init(directory: String = "/capture", fileSizeMB: Int = 1, maxFiles: Int = 100,
                layout: FileLayout = .flat, interface: String = "eth0", bufferSizeMiB: Int = 16,
                immediateMode: Bool = false, optionLimits: OptionLimits = OptionLimits()) {
        self.directory = directory
        self.fileSizeMB = fileSizeMB
        self.maxFiles = maxFiles
        self.layout = layout
        self.interface = interface
        self.bufferSizeMiB = bufferSizeMiB
        self.immediateMode = immediateMode
        self.optionLimits = optionLimits
    }

    /// The file name tcpdump is given with `-w`, without directory.
    public func baseName(for pod: PodRef) -> String {
        switch layout {
        case .flat: "capture-\(pod.name).pcap"
        case .namespaced: "capture-\(pod.namespace)_\(pod.name).pcap"
        }
    }
}

/// Everything needed to run, and to clean up after, one capture: the argv and the exact files.
public struct CapturePlan: Sendable, Hashable {
    public var pod: PodRef
    public var fileCount: Int
    public var settings: CaptureSettings
    /// The Pod's option annotations, checked; a change restarts the capture like a new N.
    public var options: CaptureOptions

    public init(pod: PodRef, fileCount: Int, settings: CaptureSettings, options: CaptureOptions = CaptureOptions()) {
        self.pod = pod
        self.fileCount = fileCount
        self.settings = settings
        self.options = options
    }

    /// The request this plan carries out.
    public var spec: CaptureSpec { CaptureSpec(fileCount: fileCount, options: options) }

    /// The interface tcpdump listens on inside the Pod.
    public var interface: String { options.interface ?? settings.interface }

    /// `capture-<pod>.pcap` (or the namespaced form).
    public var baseName: String { settings.baseName(for: pod) }

    /// The longest file name the capture can own: its base, the ring index, and room for a
    /// segment number of six digits (a million restarts). Linux allows 255 bytes per name.
    public var longestFileNameBytes: Int { baseName.utf8.count + Self.suffixWidth(count: fileCount) + 7 }

    /// Longest file name Linux file systems accept (`NAME_MAX`).
    public static let maxFileNameBytes = 255

    /// The path given to `tcpdump -w`.
    public var writePath: String { settings.directory + "/" + baseName }

    /// Bytes the capture may occupy on disk at most (`-C` counts in units of 1,000,000 bytes).
    public var maxBytes: Int { fileCount * settings.fileSizeMB * 1_000_000 }

    /// Exactly the file names tcpdump 4.99 creates for `-C s -W n -w base` with `n` = N.
    ///
    /// tcpdump appends the file index zero-padded to the number of digits of `n - 1`
    /// (`getWflagChars`): no suffix at all for `n == 1`, `0…9` for `n` up to 10, `00…10` for 11,
    /// `000…100` for 101. Cleanup deletes exactly these names and nothing that merely shares
    /// the prefix, so Pod `a` never touches the files of Pod `a.pcap1`.
    public var fileNames: [String] {
        Self.fileNames(base: baseName, count: fileCount)
    }

    /// Absolute paths of `fileNames`.
    public var filePaths: [String] { fileNames.map { settings.directory + "/" + $0 } }

    /// Absolute paths of the ring a run with `-W ringSize` writes.
    public func ringPaths(ringSize: Int) -> [String] {
        Self.fileNames(base: baseName, count: ringSize).map { settings.directory + "/" + $0 }
    }

    /// The suffix rule of `fileNames`, for any base.
    public static func fileNames(base: String, count: Int) -> [String] {
        precondition(count >= 1, "a capture has at least one file")
        let width = suffixWidth(count: count)
        if width == 0 { return [base] }
        return (0..<count).map { index in
            let digits = String(index)
            return base + String(repeating: "0", count: width - digits.count) + digits
        }
    }

    /// Whether `suffix` (what follows `.pcap`) is a name tcpdump gives some file of a ring of at
    /// most `fileCount` files: `""` (a ring of one), or an index below the ring size written
    /// with exactly the ring size's digit count. A restarted run writes a smaller ring (earlier
    /// runs' files count against N), so every ring size up to N is ours, and nothing else.
    public func ownsRingSuffix(_ suffix: some StringProtocol) -> Bool {
        guard !suffix.isEmpty else { return true }
        guard suffix.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
              suffix.count <= 9, let index = Int(suffix) else { return false }
        // Ring sizes whose index width is `suffix.count`: 10^(w-1)+1 ... 10^w.
        var low = 1
        for _ in 1..<suffix.count { low *= 10 }
        let smallestRing = max(low + 1, index + 1)
        return smallestRing <= min(low * 10, fileCount)
    }

    /// The name a file of an earlier run keeps once a new run starts: `<ring name>.<segment>`,
    /// segments numbered 1, 2, … in the order the runs happened. It never ends in `.pcap` plus
    /// digits, so it is never a ring name of any Pod, and it parses back to exactly one owner.
    public static func segmentName(ringName: String, segment: Int) -> String {
        ringName + "." + String(segment)
    }

    /// Number of digits of `count - 1`; 0 when `count == 1`.
    static func suffixWidth(count: Int) -> Int {
        var rest = count - 1
        var width = 0
        while rest > 0 {
            width += 1
            rest /= 10
        }
        return width
    }

    /// The tcpdump command, entered into the network namespace of `pid`.
    ///
    /// `-Z root`: tcpdump otherwise drops to user `tcpdump` after opening the device and can no
    /// longer create the next rotation file in a root-owned directory. `-U`: flush each packet
    /// so files are valid pcap while the capture still runs. `--immediate-mode` only when the
    /// settings ask for it (`CaptureSettings.immediateMode`) or the capture stops when a
    /// container ends (`stop-on`): by default libpcap delivers kernel ring blocks, full or 1 s
    /// old, which is what lets a burst fit in the ring, but a stop then waits out that second,
    /// and a capture frozen at a crash must not take in the packets of the container the
    /// kubelet starts next in the same namespace.
    /// `ringSize`: `-W`, N for a first run, less when files of earlier runs are kept.
    /// `packets`: `-c`, the packets still to capture (less than the option after a restart).
    /// The filter comes last, as one element after `--`: tcpdump's getopt stops there, so no
    /// filter text can ever be read as an option. No shell is involved: this is argv.
    public func argv(pid: Int32, nsenter: String = "nsenter", tcpdump: String = "tcpdump", ringSize: Int? = nil,
                     packets: Int? = nil) -> [String] {
        var argv = [
            nsenter, "--target", String(pid), "--net", "--",
            tcpdump, "-i", interface, "-Z", "root", "-U",
        ]
        if settings.immediateMode || options.stopOn == .containerRestart { argv.append("--immediate-mode") }
        argv += ["-B", String(settings.bufferSizeMiB * 1024)]
        if let snaplen = options.snaplen { argv += ["-s", String(snaplen)] }
        if let count = packets ?? options.packets { argv += ["-c", String(count)] }
        argv += ["-C", String(settings.fileSizeMB), "-W", String(ringSize ?? fileCount), "-w", writePath]
        if let filter = options.filter { argv += ["--", filter] }
        return argv
    }
}
