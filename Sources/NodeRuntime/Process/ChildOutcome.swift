import Actors

/// How a supervised child ended, with its bounded output.
struct ChildOutcome: Sendable {
    var status: CaptureExit.Status
    var standardOutput: String
    var standardError: String
}
