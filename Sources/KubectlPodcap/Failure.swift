/// A failure ArgumentParser prints as `Error: <line>` and exits 1 with.
struct Failure: Error, CustomStringConvertible {
    var error: PluginError
    init(_ error: PluginError) { self.error = error }
    var description: String { error.description }
}
