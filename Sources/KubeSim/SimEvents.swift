/// Which API an Event is read or written through.
enum EventView: Sendable {
    case core
    case eventsV1

    var apiVersion: String { self == .core ? "v1" : "events.k8s.io/v1" }
}

/// The two API views of one stored Event, as the real server converts between them.
enum SimEvents {
    private static let coreToV1: [(String, String)] = [
        ("involvedObject", "regarding"), ("message", "note"), ("reportingComponent", "reportingController"),
        ("source", "deprecatedSource"), ("firstTimestamp", "deprecatedFirstTimestamp"),
        ("lastTimestamp", "deprecatedLastTimestamp"), ("count", "deprecatedCount"),
    ]

    static func convert(_ event: JSONValue, to view: EventView) -> JSONValue {
        guard case .object(var o) = event else { return event }
        let isV1 = o["apiVersion"]?.stringValue == "events.k8s.io/v1"
        if view == .eventsV1 && !isV1 {
            for (from, to) in coreToV1 { o[to] = o.removeValue(forKey: from) }
        } else if view == .core && isV1 {
            for (to, from) in coreToV1 { o[to] = o.removeValue(forKey: from) }
            if let series = o["series"] {
                o["count"] = series["count"]
                o["lastTimestamp"] = series["lastObservedTime"]
            }
        }
        o["apiVersion"] = .string(view.apiVersion)
        o["kind"] = "Event"
        return .object(o.filter { $0.value != .null })
    }

    static func validateCreate(_ e: JSONValue, view: EventView) throws(SimStatus) {
        let name = e["metadata"]?["name"]?.stringValue ?? ""
        if view == .eventsV1 {
            for field in ["eventTime", "reportingController", "reportingInstance", "action", "reason"]
            where (e[field]?.stringValue ?? "").isEmpty {
                throw SimStatus.invalid("Event", name, "\(field): Required value")
            }
            if let note = e["note"]?.stringValue, note.utf8.count > 1024 {
                throw SimStatus.invalid("Event", name, "note: Too long: may not be longer than 1024")
            }
        } else if e["involvedObject"] == nil {
            throw SimStatus.invalid("Event", name, "involvedObject: Required value")
        }
        if let t = e["type"]?.stringValue, t != "Normal", t != "Warning" {
            throw SimStatus.invalid("Event", name, "type: Unsupported value: \"\(t)\"")
        }
    }

    static func validateUpdate(_ e: JSONValue, view: EventView) throws(SimStatus) {
        if view == .eventsV1, let series = e["series"], series != .null {
            let name = e["metadata"]?["name"]?.stringValue ?? ""
            if (series["count"]?.intValue ?? 0) < 2 {
                throw SimStatus.invalid("Event", name, "series.count: Invalid value: must be at least 2")
            }
            if series["lastObservedTime"] == nil {
                throw SimStatus.invalid("Event", name, "series.lastObservedTime: Required value")
            }
        }
    }
}
