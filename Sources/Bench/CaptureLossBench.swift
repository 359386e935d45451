import Actors
import Foundation
import NodeRuntime
import Pcap
import PodSandbox

/// `podcap-bench loss [--rate 50000] [--seconds 5]`: capture_loss. A tcpdump started by
/// podcap's own runtime (`TcpdumpRuntime.start`, the shipped argv: `-U -B 16384`, block
/// delivery, in the Pod's netns through nsenter) captures a sandbox Pod while a neighbour sends it
/// 100-byte UDP datagrams at `--rate` per second for `--seconds`. Then the capture is stopped
/// the way a graceful stop keeping files does (drain, SIGTERM). Passes when tcpdump's own
/// statistics say 0 packets dropped by the kernel and every datagram the sender's kernel
/// accepted is in the file.
enum CaptureLossBench {
    static func run(_ arguments: BenchArguments) async throws {
        let rate = try arguments.int("--rate", default: 50_000)
        let seconds = try max(1, arguments.int("--seconds", default: 5))
        if let reason = SandboxNetwork.unsupportedReason() { throw BenchError("sandbox Pods unavailable: \(reason)") }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("podcap-loss-\(UUID().uuidString.prefix(8))").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let runtime = TcpdumpRuntime()
        let result = try await withSandboxPods(count: 2, options: SandboxOptions(subnet: "10.251.4", namePrefix: "pcloss")) { pods in
            let pod = PodRef(namespace: "bench", name: "loss", uid: pods[0].uid)
            // One file large enough for the whole run: no rotation.
            let plan = CapturePlan(pod: pod, fileCount: 1, settings: CaptureSettings(directory: directory, fileSizeMB: 200))
            let target = CaptureTarget(pod: pod, containers: [.init(name: "app", containerID: pods[0].containerID)])
            let process: any CaptureProcess
            do {
                process = try await runtime.start(plan, target: target)
            } catch {
                throw BenchError("tcpdump did not start: \(error)")
            }
            do {
                guard try await Traffic.ping(from: pods[1], to: pods[0], count: 1) == 1 else {
                    throw BenchError("the sandbox Pods cannot reach each other")
                }
                let began = ContinuousClock.now
                let sent = try await Traffic.sendUDP(from: pods[1], to: pods[0], packetsPerSecond: rate, duration: .seconds(seconds))
                let took = ContinuousClock.now - began
                await process.drain()
                let exit = await process.terminate(grace: .seconds(5))
                let summary = try PcapReader.summarize(path: plan.filePaths[0])
                return (sent, took, exit, summary)
            } catch {
                _ = await process.kill()
                throw error
            }
        }
        let (sent, took, exit, summary) = result
        let dropped = exit.statistics?.droppedByKernel
        let inFile = summary.protocols.udp
        print("capture_loss: \(sent) UDP datagrams of 100 bytes sent in \(BenchFormat.ms(took)) ms (\(rate)/s for \(seconds) s);"
            + " tcpdump: \(exit.statistics.map { "\($0.captured) captured, \($0.receivedByFilter) received by filter, \($0.droppedByKernel) dropped by kernel" } ?? "no statistics");"
            + " UDP in the file: \(inFile)")
        let missing = max(0, sent - inFile)
        BenchResults.add(BenchRow(name: "capture_loss", value: Double(missing), unit: "packets",
                                  target: "0 lost of \(sent), 0 dropped (kernel: \(dropped.map(String.init) ?? "?"))",
                                  pass: dropped == 0 && missing == 0))
    }
}
