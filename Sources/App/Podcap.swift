import ArgumentParser

/// The `podcap` executable.
@main
struct Podcap: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "podcap",
        abstract: "On-demand packet capture for the Pods of one Kubernetes Node.",
        discussion: """
            Annotate a Pod with tcpdump.antrea.io: "<N>" and podcap runs tcpdump in its network \
            namespace, keeping N rotated 1 MB files in the capture directory. Remove the \
            annotation and the capture stops and its files are deleted.
            """,
        subcommands: [ControllerCommand.self, InspectCommand.self, ExportCommand.self, FollowCommand.self, DemoCommand.self],
        defaultSubcommand: ControllerCommand.self
    )
}
