// `podcap-bench NAME…`: benchmarks that print their numbers. Each case lives in its own file.
let names = CommandLine.arguments.dropFirst()
if names.isEmpty {
    print("usage: podcap-bench NAME…")
}
for name in names {
    switch name {
    case "pidscan":
        try PidScanBench.run()
    case "decode":
        try DecodeBench.run()
    case "latency":
        try await LatencyBench.run(BenchArguments(after: name))
    case "reconcile":
        try await ReconcileBench.run()
    case "overhead":
        try await ControllerOverheadBench.run(BenchArguments(after: name))
    case "loss":
        try await CaptureLossBench.run(BenchArguments(after: name))
    case "memory":
        try await MemoryBench.run(BenchArguments(after: name))
    case let option where BenchArguments.isOptionToken(option):
        continue
    default:
        print("podcap-bench: unknown benchmark \(name)")
    }
}
// `--results PATH`: the rows the benchmarks above recorded, as one table and as JSON lines.
if let flag = CommandLine.arguments.firstIndex(of: "--results"), CommandLine.arguments.indices.contains(flag + 1) {
    let path = CommandLine.arguments[flag + 1]
    BenchResults.printTable()
    try BenchResults.writeJSONLines(to: path)
    print("wrote \(path)")
}
