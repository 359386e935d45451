/// Runs `body` against the cluster and turns every failure into one line and exit status 1.
func withCluster<T>(_ options: ClusterOptions, _ body: (Cluster) async throws -> T) async throws -> T {
    let cluster: Cluster
    do {
        cluster = try await Cluster.connect(options)
    } catch {
        throw Failure(error)
    }
    do {
        let value = try await body(cluster)
        await cluster.shutdown()
        return value
    } catch let error as PluginError {
        await cluster.shutdown()
        throw Failure(error)
    } catch {
        await cluster.shutdown()
        throw error
    }
}
