import KubeClient
// Removed when the kubeconfig selection work (context, merged KUBECONFIG) lands.
extension KubeConfig {
    static func load(kubeconfigPath: String?, context: String?, inClusterRoot: String) throws(KubeConfigError) -> KubeConfig {
        try load(kubeconfigPath: kubeconfigPath, inClusterRoot: inClusterRoot)
    }
}
