import ArgumentParser
#if canImport(FoundationEssentials)
import FoundationEssentials
#else
import Foundation
#endif
#if canImport(Glibc)
import Glibc
#endif
import Pcap

/// `podcap inspect <file…> [--json]`: summarise capture files, like `capinfos`.
///
/// Files still being written are fine (the summary says `Truncated: yes` when the last record
/// is incomplete); a file libpcap cannot read at all makes the command exit 1 after the rest.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Summarise pcap capture files (packets, bytes, time span, protocols, addresses)."
    )

    @Argument(help: "pcap files to read.")
    var files: [String]

    @Flag(help: "Print a JSON array of summaries instead of text.")
    var json = false

    func validate() throws {
        if files.isEmpty { throw ValidationError("give at least one pcap file") }
    }

    func run() throws {
        var summaries: [PcapSummary] = []
        var failed = false
        for file in files {
            do {
                summaries.append(try PcapReader.summarize(path: file))
            } catch {
                failed = true
                let line = Array("podcap inspect: \(error)\n".utf8)
                _ = line.withUnsafeBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(summaries), as: UTF8.self))
        } else if !summaries.isEmpty {
            print(summaries.map(\.report).joined(separator: "\n\n"))
        }
        if failed { throw ExitCode(1) }
    }
}
