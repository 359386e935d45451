/// A small parser for the Prometheus text exposition format, enough to check what `/metrics`
/// serves: `# TYPE` lines and samples with quoted, escaped label values.
struct PrometheusText {
    struct Sample: Equatable {
        var name: String
        var labels: [String: String]
        var value: Double
    }

    struct ParseError: Error, CustomStringConvertible {
        var line: String
        var description: String { "cannot parse exposition line: \(line)" }
    }

    private(set) var types: [String: String] = [:]
    private(set) var help: [String: String] = [:]
    private(set) var samples: [Sample] = []

    init(_ text: String) throws {
        for raw in text.split(separator: "\n") {
            let line = String(raw)
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                guard parts.count == 4 else { throw ParseError(line: line) }
                types[String(parts[2])] = String(parts[3])
            } else if line.hasPrefix("# HELP ") {
                let rest = line.dropFirst("# HELP ".count)
                let name = rest.prefix { $0 != " " }
                help[String(name)] = String(rest.dropFirst(name.count + 1))
            } else if line.hasPrefix("#") {
                continue
            } else {
                samples.append(try Self.sample(line))
            }
        }
    }

    /// The value of the sample with exactly these labels, if any.
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        samples.first { $0.name == name && $0.labels == labels }?.value
    }

    /// Whether `name` is declared as a metric family (a `# TYPE` line).
    func declares(_ name: String) -> Bool { types[name] != nil }

    private static func sample(_ line: String) throws -> Sample {
        var chars = Substring(line)
        let name = chars.prefix { $0 != "{" && $0 != " " }
        guard !name.isEmpty else { throw ParseError(line: line) }
        chars = chars.dropFirst(name.count)
        var labels: [String: String] = [:]
        if chars.first == "{" {
            chars = chars.dropFirst()
            while chars.first != "}" {
                let key = chars.prefix { $0 != "=" }
                chars = chars.dropFirst(key.count)
                guard chars.hasPrefix("=\"") else { throw ParseError(line: line) }
                chars = chars.dropFirst(2)
                var value = ""
                while let c = chars.first, c != "\"" {
                    chars = chars.dropFirst()
                    if c == "\\", let escaped = chars.first {
                        chars = chars.dropFirst()
                        value.append(escaped == "n" ? "\n" : escaped)
                    } else {
                        value.append(c)
                    }
                }
                guard chars.first == "\"" else { throw ParseError(line: line) }
                chars = chars.dropFirst()
                if chars.first == "," { chars = chars.dropFirst() }
                labels[String(key)] = value
                guard !chars.isEmpty else { throw ParseError(line: line) }
            }
            chars = chars.dropFirst()
        }
        let fields = chars.split(separator: " ")
        guard let first = fields.first else { throw ParseError(line: line) }
        let valueText = String(first)
        let value: Double? = switch valueText {
        case "+Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: Double(valueText)
        }
        guard let value else { throw ParseError(line: line) }
        return Sample(name: String(name), labels: labels, value: value)
    }
}
