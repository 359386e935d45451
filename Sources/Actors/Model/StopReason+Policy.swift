extension CaptureReport.StopReason {
    /// Whether the capture's files go with it. Only a capture that is no longer wanted loses
    /// its files; on shutdown or cancellation they stay for the next start to resume.
    public var deletesFiles: Bool {
        switch self {
        case .annotationRemoved, .fileCountChanged, .optionsChanged, .podGone: true
        case .shutdown, .cancelled: false
        }
    }

    /// Whether the process gets SIGTERM and a grace period (so tcpdump flushes and closes its
    /// file) rather than SIGKILL at once.
    public var isGraceful: Bool { self != .cancelled }
}
