// swift-tools-version: 6.2
import PackageDescription

/// Strict concurrency everywhere; Swift 6 language mode is the package default.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "podcap",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "podcap", targets: ["App"]),
        .executable(name: "podcap-bench", targets: ["Bench"]),
        .executable(name: "kubectl-podcap", targets: ["KubectlPodcap"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        // No default traits: SubprocessFoundation (Data-based I/O) is unused, and Hummingbird's
        // FullFoundation would import Foundation (and so link ICU, ~34 MB) into the shipped binary.
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.2", traits: []),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1", traits: []),
    ],
    targets: [
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),
        // libyaml (Debian libyaml-dev), linked statically by the YAML target: the runtime image
        // needs no libyaml-0-2. No pkgConfig: its `-lyaml` would link the shared library instead.
        .systemLibrary(
            name: "CLibYAML",
            providers: [.apt(["libyaml-dev"])]
        ),
        // pidfd_open(2) from glibc: watching a container's main process for `stop-on`.
        .systemLibrary(name: "CPidfd"),
        .target(
            name: "YAML",
            dependencies: ["CLibYAML"],
            swiftSettings: strict,
            linkerSettings: [.linkedLibrary(":libyaml.a")]
        ),
        .target(
            name: "Pcap",
            dependencies: ["CPcap"],
            swiftSettings: strict
        ),
        // The option annotations (filter, snaplen, interface, duration, packets, stop-on): parsed
        // and checked, the filter compiled by libpcap, before anything starts.
        .target(
            name: "CaptureOptions",
            dependencies: ["CPcap"],
            swiftSettings: strict
        ),
        // The bytes `kubectl podcap` moves: the export stream, pcap records, the pcapng merge.
        .target(
            name: "CaptureTransfer",
            swiftSettings: strict
        ),
        .target(
            name: "KubeModel",
            swiftSettings: strict
        ),
        .target(
            name: "KubeClient",
            dependencies: [
                "KubeModel",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOFoundationEssentialsCompat", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                // NIOConnectionError: tells "nothing listens" from other transport failures.
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                // Exec credential plugins (kubeconfig `users[].user.exec`).
                .product(name: "Subprocess", package: "swift-subprocess"),
                "YAML",
            ],
            swiftSettings: strict
        ),
        .target(
            name: "KubeSim",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOFoundationEssentialsCompat", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Actors",
            dependencies: [
                "KubeModel",
                "CaptureOptions",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            // The hot path (watch event → decision) is measured in debug builds too.
            swiftSettings: strict + [.unsafeFlags(["-O"])]
        ),
        .target(
            name: "NodeRuntime",
            dependencies: [
                "Actors",
                "CaptureOptions",
                "CPidfd",
                "KubeModel",
                "KubeClient",
                "Pcap",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Controller",
            dependencies: [
                "Actors",
                "CaptureOptions",
                "CaptureTransfer",
                "KubeClient",
                "NodeRuntime",
                "Pcap",
                .product(name: "Hummingbird", package: "hummingbird"),
                // The HTTP/1 server itself, run without `Application` (see HTTPServerService).
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        // The agent's side of `kubectl podcap fetch` and `stream`: `podcap export`, `podcap follow`.
        .target(
            name: "CaptureServing",
            dependencies: ["CaptureTransfer", "NodeRuntime"],
            swiftSettings: strict
        ),
        .target(
            name: "TestSupport",
            dependencies: [
                "KubeClient",
                "KubeSim",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "PodSandbox",
            dependencies: [
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "Bench",
            dependencies: ["Actors", "KubeClient", "KubeSim", "NodeRuntime", "Controller", "TestSupport", "PodSandbox"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "App",
            dependencies: [
                "Controller",
                "CaptureOptions",
                "CaptureServing",
                "CaptureTransfer",
                "KubeSim",
                "PodSandbox",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        // `kubectl podcap`, the workstation plugin: annotations through the API server, files and
        // live streams through pods/exec of the agent.
        .executableTarget(
            name: "KubectlPodcap",
            dependencies: [
                "CaptureOptions",
                "CaptureTransfer",
                "KubeClient",
                "Pcap",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ActorsTests",
            dependencies: ["Actors", "KubeModel", "CaptureOptions"],
            // The simulations run 50,000 checked steps; unoptimised they take minutes, not seconds.
            swiftSettings: strict + [.unsafeFlags(["-O"])]
        ),
        .testTarget(
            name: "KubeClientTests",
            dependencies: [
                "KubeClient", "KubeSim", "TestSupport", "YAML",
                // A TLS server that records request headers (tls-server-name, auth headers on the wire).
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "NodeRuntimeTests",
            dependencies: ["NodeRuntime", "Pcap", "Actors", "KubeModel", "PodSandbox"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CaptureTransferTests",
            dependencies: ["CaptureTransfer", "CaptureServing", "Pcap", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "KubectlPodcapTests",
            dependencies: [
                "KubectlPodcap", "CaptureTransfer", "KubeClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "ControllerTests",
            dependencies: [
                "Controller", "KubeSim", "KubeClient", "Actors", "NodeRuntime", "PodSandbox", "TestSupport", "Pcap", "YAML",
                "CaptureOptions", "CaptureServing", "CaptureTransfer",
            ],
            swiftSettings: strict
        ),
    ],
    swiftLanguageModes: [.v6]
)

// Development aid: `PODCAP_ONLY=ActorsTests swift test` builds one test target and what it
// depends on, so a module under construction elsewhere in the tree does not block it.
if let only = Context.environment["PODCAP_ONLY"], !only.isEmpty {
    let byName = Dictionary(uniqueKeysWithValues: package.targets.map { ($0.name, $0) })
    var keep = Set<String>()
    var stack = only.split(separator: ",").map(String.init)
    while let name = stack.popLast() {
        guard keep.insert(name).inserted, let target = byName[name] else { continue }
        for dependency in target.dependencies {
            if case .byNameItem(let dep, _) = dependency { stack.append(dep) }
            if case .targetItem(let dep, _) = dependency { stack.append(dep) }
        }
    }
    package.targets = package.targets.filter { keep.contains($0.name) }
    // Executables keep their product names (the tests run `.build/debug/podcap`).
    package.products = keep.contains("App") ? [.executable(name: "podcap", targets: ["App"])] : []
}
