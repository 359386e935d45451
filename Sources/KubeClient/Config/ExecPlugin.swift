extension KubeConfig {
    /// `users[].user.exec`: a command that prints an `ExecCredential` (aws, gke-gcloud-auth-plugin, kubelogin).
    ///
    /// It runs with an argv array, never a shell; see `ExecPluginRunner` for how it is found and run.
    public struct ExecPlugin: Sendable, Equatable {
        /// `client.authentication.k8s.io/v1` or `…/v1beta1`.
        public enum APIVersion: String, Sendable, Equatable, CaseIterable {
            case v1 = "client.authentication.k8s.io/v1"
            case v1beta1 = "client.authentication.k8s.io/v1beta1"
        }

        /// Whether the plugin may talk to the user on a terminal. podcap never gives it one, so
        /// `always` is refused at load time and the plugin is told `interactive: false`.
        public enum InteractiveMode: String, Sendable, Equatable {
            case never = "Never"
            case ifAvailable = "IfAvailable"
            case always = "Always"
        }

        /// One `env` entry, added to podcap's own environment.
        public struct EnvVar: Sendable, Equatable {
            public var name: String
            public var value: String
            public init(name: String, value: String) {
                self.name = name
                self.value = value
            }
        }

        /// As written; a bare name is looked up in `PATH`, a relative path with a `/` was already
        /// resolved against the kubeconfig's directory (client-go's rule).
        public var command: String
        public var arguments: [String]
        public var environment: [EnvVar]
        public var apiVersion: APIVersion
        public var interactiveMode: InteractiveMode
        /// Shown when the command is not found.
        public var installHint: String?
        /// Pass the cluster (server, CA, …) to the plugin in `KUBERNETES_EXEC_INFO`.
        public var provideClusterInfo: Bool
        /// The kubeconfig file and field (`users[NAME].user.exec`), for messages.
        public var source: String
        public var field: String

        public init(
            command: String, arguments: [String] = [], environment: [EnvVar] = [], apiVersion: APIVersion = .v1,
            interactiveMode: InteractiveMode = .never, installHint: String? = nil, provideClusterInfo: Bool = false,
            source: String = "<inline>", field: String = "exec"
        ) {
            self.command = command
            self.arguments = arguments
            self.environment = environment
            self.apiVersion = apiVersion
            self.interactiveMode = interactiveMode
            self.installHint = installHint
            self.provideClusterInfo = provideClusterInfo
            self.source = source
            self.field = field
        }
    }
}
