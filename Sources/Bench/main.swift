// `podcap-bench NAME…`: benchmarks that print their numbers. Each case lives in its own file.
let names = CommandLine.arguments.dropFirst()
if names.isEmpty {
    print("usage: podcap-bench NAME…")
}
