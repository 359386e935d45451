/// Wire shapes of the Event objects the recorder writes.
struct ObjectReference: Encodable, Sendable {
    var apiVersion = "v1"
    var kind = "Pod"
    var namespace: String
    var name: String
    var uid: String
    var resourceVersion: String?

    init(pod: Pod) {
        namespace = pod.metadata.namespace
        name = pod.metadata.name
        uid = pod.metadata.uid
        resourceVersion = pod.metadata.resourceVersion
    }
}

struct EventMeta: Encodable, Sendable {
    var name: String
    var namespace: String
}

struct EventSeries: Encodable, Sendable {
    var count: Int
    var lastObservedTime: String
}

struct EventsV1Event: Encodable, Sendable {
    var apiVersion = "events.k8s.io/v1"
    var kind = "Event"
    var metadata: EventMeta
    var eventTime: String
    var reportingController: String
    var reportingInstance: String
    var action: String
    var reason: String
    var regarding: ObjectReference
    var note: String
    var type: String

    init(metadata: EventMeta, eventTime: String, reportingController: String, reportingInstance: String,
         action: String, reason: String, regarding: ObjectReference, note: String, type: String) {
        self.metadata = metadata
        self.eventTime = eventTime
        self.reportingController = reportingController
        self.reportingInstance = reportingInstance
        self.action = action
        self.reason = reason
        self.regarding = regarding
        self.note = note
        self.type = type
    }
}

struct EventSource: Encodable, Sendable {
    var component: String
    var host: String?
}

struct CoreV1Event: Encodable, Sendable {
    var apiVersion = "v1"
    var kind = "Event"
    var metadata: EventMeta
    var involvedObject: ObjectReference
    var reason: String
    var message: String
    var type: String
    var source: EventSource
    var firstTimestamp: String
    var lastTimestamp: String
    var count: Int
    var reportingComponent: String
    var reportingInstance: String
    var action: String
    var eventTime: String?

    init(metadata: EventMeta, involvedObject: ObjectReference, reason: String, message: String, type: String,
         source: EventSource, firstTimestamp: String, lastTimestamp: String, count: Int,
         reportingComponent: String, reportingInstance: String, action: String, eventTime: String?) {
        self.metadata = metadata
        self.involvedObject = involvedObject
        self.reason = reason
        self.message = message
        self.type = type
        self.source = source
        self.firstTimestamp = firstTimestamp
        self.lastTimestamp = lastTimestamp
        self.count = count
        self.reportingComponent = reportingComponent
        self.reportingInstance = reportingInstance
        self.action = action
        self.eventTime = eventTime
    }
}

struct CoreV1CountPatch: Encodable, Sendable {
    var count: Int
    var lastTimestamp: String
}
