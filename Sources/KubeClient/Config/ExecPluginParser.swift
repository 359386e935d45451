import YAML

/// Reads `users[].user.exec`, with client-go's validation and defaults.
enum ExecPluginParser {
    static func parse(_ exec: YAMLNode, path: String, field: String, baseDir: String) throws(KubeConfigError) -> KubeConfig.ExecPlugin {
        guard exec.pairs != nil else { throw .invalidExec(path: path, field: field, reason: "not a mapping") }
        guard let command = exec["command"]?.string, !command.isEmpty else {
            throw .missingField(path: path, field: field + ".command")
        }
        guard let versionText = exec["apiVersion"]?.string, !versionText.isEmpty else {
            throw .missingField(path: path, field: field + ".apiVersion")
        }
        guard let apiVersion = KubeConfig.ExecPlugin.APIVersion(rawValue: versionText) else {
            let known = KubeConfig.ExecPlugin.APIVersion.allCases.map(\.rawValue).joined(separator: ", ")
            throw .invalidExec(path: path, field: field + ".apiVersion", reason: "\"\(versionText)\" is not supported (use \(known))")
        }
        let mode: KubeConfig.ExecPlugin.InteractiveMode
        switch exec["interactiveMode"]?.string {
        case nil, "":
            // client-go defaults v1beta1 to IfAvailable; v1 made the field mandatory.
            guard apiVersion == .v1beta1 else {
                throw .missingField(path: path, field: field + ".interactiveMode")
            }
            mode = .ifAvailable
        case let text?:
            guard let parsed = KubeConfig.ExecPlugin.InteractiveMode(rawValue: text) else {
                throw .invalidExec(path: path, field: field + ".interactiveMode",
                                   reason: "\"\(text)\" is not Never, IfAvailable or Always")
            }
            mode = parsed
        }
        if mode == .always {
            throw .invalidExec(path: path, field: field + ".interactiveMode",
                               reason: "Always needs a terminal, and podcap runs credential plugins without one")
        }
        var arguments: [String] = []
        if let args = exec["args"], !args.isNull {
            guard let items = args.array else { throw .invalidExec(path: path, field: field + ".args", reason: "not a list") }
            arguments = items.map { $0.string ?? "" }
        }
        var environment: [KubeConfig.ExecPlugin.EnvVar] = []
        if let env = exec["env"], !env.isNull {
            guard let items = env.array else { throw .invalidExec(path: path, field: field + ".env", reason: "not a list") }
            for (index, item) in items.enumerated() {
                guard let name = item["name"]?.string, !name.isEmpty else {
                    throw .missingField(path: path, field: field + ".env[\(index)].name")
                }
                environment.append(.init(name: name, value: item["value"]?.string ?? ""))
            }
        }
        // client-go resolves only commands with a path separator; a bare name is a PATH lookup.
        let resolved = command.contains("/") ? KubeConfig.resolve(command, baseDir: baseDir) : command
        return KubeConfig.ExecPlugin(
            command: resolved, arguments: arguments, environment: environment, apiVersion: apiVersion,
            interactiveMode: mode, installHint: exec["installHint"]?.string.flatMap { $0.isEmpty ? nil : $0 },
            provideClusterInfo: exec["provideClusterInfo"]?.bool ?? false, source: path, field: field)
    }
}
