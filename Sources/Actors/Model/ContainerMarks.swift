import KubeModel

/// What `stop-on: container-restart` remembers of a Pod's containers when its capture starts,
/// from the Pod status: a later status that differs means a container terminated or restarted.
public struct ContainerMarks: Sendable, Hashable {
    struct Mark: Sendable, Hashable {
        var name: String
        var restartCount: Int
        var containerID: String?
        var running: Bool
    }

    var marks: [Mark]

    public init(_ status: PodStatus) {
        marks = status.containerStatuses.map { container in
            Mark(name: container.name, restartCount: container.restartCount, containerID: container.containerID,
                 running: container.state.running != nil)
        }
    }

    /// The first container whose restartCount or containerID changed, or that ran at `self`
    /// and no longer runs in `now`, with what happened to it.
    public func change(to now: PodStatus) -> (container: String, detail: String)? {
        for mark in marks {
            guard let current = now.containerStatuses.first(where: { $0.name == mark.name }) else {
                return (mark.name, "left the Pod status")
            }
            if current.restartCount != mark.restartCount {
                return (mark.name, "restarted (restart count \(mark.restartCount) → \(current.restartCount))")
            }
            if current.containerID != mark.containerID {
                return (mark.name, "was replaced (container ID changed)")
            }
            if mark.running, current.state.running == nil {
                let why = current.state.terminated?.reason ?? current.state.waiting?.reason
                return (mark.name, "terminated" + (why.map { " (\($0))" } ?? ""))
            }
        }
        return nil
    }
}
