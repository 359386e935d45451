// The Pod model lives in its own dependency-free module so the actor core builds without the
// HTTP stack; users of KubeClient get it with one import.
@_exported import KubeModel
