import Actors

/// How a supervised child ended, with its bounded stderr (its stdout goes to /dev/null).
struct ChildOutcome: Sendable {
    var status: CaptureExit.Status
    var standardError: String
}
