import Actors
import Glibc

/// Keeps the packets of earlier runs of a capture when tcpdump starts again.
///
/// tcpdump has no append mode: `-w base -W n` truncates `base0` at start. A capture runs again
/// after tcpdump died, and after podcap itself restarted (a DaemonSet rollout) while the Pod
/// stayed annotated; without this, the packets that led up to the restart, often the ones the
/// user wanted, would be overwritten. So before each run the files a previous run left in the
/// ring are renamed to `<ring name>.<segment>` (`CapturePlan.segmentName`), the new run gets a
/// ring of the files that are left of N, and the total stays within N files and the disk budget.
///
/// The rule, oldest packets lost first, as tcpdump's own ring would:
/// - a ring file that holds no packet (only the 24-byte pcap header) is deleted, not kept, so a
///   crash loop does not fill N with empty files;
/// - the other ring files become segment `s` = highest segment so far + 1;
/// - while more than N − 1 segment files exist, the oldest is deleted (lowest segment, then
///   oldest modification time), so the new ring has at least one file.
public enum CaptureSegments {
    /// What the next run of a capture writes, and what it keeps.
    public struct Layout: Sendable, Hashable {
        /// `-W` for the next run: N minus the kept files, at least 1.
        public var ringSize: Int
        /// Paths of the files kept from earlier runs, oldest first.
        public var kept: [String]
        /// Paths deleted while making room or because they held no packet.
        public var deleted: [String]

        /// Every path the capture owns during the next run, oldest first: `kept`, then the ring.
        public func files(of plan: CapturePlan) -> [String] { kept + plan.ringPaths(ringSize: ringSize) }
    }

    /// Size of a pcap file with its global header and no packet.
    static let emptyPcapSize: Int64 = 24

    /// Renames the previous run's ring files into a new segment and trims to N − 1 kept files.
    public static func prepare(_ plan: CapturePlan) throws(CaptureDirectoryError) -> Layout {
        let directory = CaptureDirectory(path: plan.settings.directory)
        var deleted: [String] = []
        var segments: [(name: CaptureFileName, mtime: timespec)] = []
        var ring: [(name: CaptureFileName, mtime: timespec)] = []
        for name in try directory.ownedNames(of: plan) {
            let path = directory.path + "/" + name.fileName
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            if name.segment != nil {
                segments.append((name, info.st_mtim))
            } else if Int64(info.st_size) <= emptyPcapSize {
                deleted += CaptureFiles.remove([path])
            } else {
                ring.append((name, info.st_mtim))
            }
        }
        if !ring.isEmpty {
            // Numbered above every segment name present, not only ours: rename(2) would replace
            // (delete) a symlink planted under the next name, or fail on a directory there.
            let present = try directory.captureFileNames().compactMap(CaptureFileName.init)
                .filter { CaptureDirectory.owns(plan, $0) }.compactMap(\.segment)
            let next = (present.max() ?? 0) + 1
            for file in ring.sorted(by: { older($0.mtime, $1.mtime, $0.name.fileName, $1.name.fileName) }) {
                var kept = file.name
                kept.segment = next
                let from = directory.path + "/" + file.name.fileName, to = directory.path + "/" + kept.fileName
                guard rename(from, to) == 0 else {
                    throw CaptureDirectoryError(path: from, operation: "keep (rename to \(kept.fileName))", errno: errno)
                }
                segments.append((kept, file.mtime))
            }
        }
        segments.sort { a, b in
            a.name.segment! != b.name.segment! ? a.name.segment! < b.name.segment!
                : older(a.mtime, b.mtime, a.name.fileName, b.name.fileName)
        }
        let excess = max(0, segments.count - (plan.fileCount - 1))
        deleted += CaptureFiles.remove(segments.prefix(excess).map { directory.path + "/" + $0.name.fileName })
        let kept = segments.dropFirst(excess).map { directory.path + "/" + $0.name.fileName }
        return Layout(ringSize: plan.fileCount - kept.count, kept: kept, deleted: deleted)
    }

    private static func older(_ a: timespec, _ b: timespec, _ nameA: String, _ nameB: String) -> Bool {
        if a.tv_sec != b.tv_sec { return a.tv_sec < b.tv_sec }
        if a.tv_nsec != b.tv_nsec { return a.tv_nsec < b.tv_nsec }
        return nameA < nameB
    }
}
