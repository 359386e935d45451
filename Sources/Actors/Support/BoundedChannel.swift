import Synchronization

/// A single-producer, single-consumer channel with a fixed capacity.
///
/// `send` suspends while the buffer is full, so a fast producer (the watch stream) is slowed
/// to the pace of its consumer (the Supervisor) instead of growing memory without bound.
public final class BoundedChannel<Element: Sendable>: Sendable {
    fileprivate struct State {
        var buffer: [Element?]
        var head = 0
        var count = 0
        /// Set once: `.some(nil)` is a normal finish, `.some(error)` a failure.
        var termination: (any Error)??
        var consumer: CheckedContinuation<Element?, any Error>?
        var producer: CheckedContinuation<Void, any Error>?
        var consumerGone = false

        /// Removes the oldest buffered element, and the parked producer that may now proceed.
        mutating func takeFirst(capacity: Int) -> (Element, CheckedContinuation<Void, any Error>?)? {
            guard count > 0 else { return nil }
            let element = buffer[head]!
            buffer[head] = nil
            head = (head + 1) % capacity
            count -= 1
            defer { producer = nil }
            return (element, producer)
        }
    }

    fileprivate enum SendStep { case done, wait, gone }
    fileprivate enum NextStep { case element(Element, CheckedContinuation<Void, any Error>?), end((any Error)?), cancelled, wait }
    fileprivate enum YieldStep { case delivered(CheckedContinuation<Element?, any Error>), buffered, refused }

    fileprivate let state: Mutex<State>
    public let capacity: Int

    /// Creates a channel that holds at most `capacity` (at least 1) undelivered elements.
    public init(capacity: Int) {
        precondition(capacity >= 1, "capacity must be at least 1")
        self.capacity = capacity
        state = Mutex(State(buffer: Array(repeating: nil, count: capacity)))
    }

    /// Delivers `element`, suspending while the buffer is full.
    ///
    /// Throws `CancellationError` when the sending task is cancelled or the consumer is gone.
    public func send(_ element: Element) async throws {
        while true {
            let step: SendStep = state.withLock { s in
                if s.consumerGone || s.termination != nil { return .gone }
                if let consumer = s.consumer {
                    s.consumer = nil
                    consumer.resume(returning: element)
                    return .done
                }
                if s.count < capacity {
                    s.buffer[(s.head + s.count) % capacity] = element
                    s.count += 1
                    return .done
                }
                return .wait
            }
            switch step {
            case .done: return
            case .gone: throw CancellationError()
            case .wait:
                try await withTaskCancellationHandler {
                    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                        let resumeNow: Bool = state.withLock { s in
                            if s.count < capacity || s.consumerGone || s.termination != nil || Task.isCancelled {
                                return true
                            }
                            s.producer = continuation
                            return false
                        }
                        if resumeNow { continuation.resume() }
                    }
                } onCancel: {
                    let producer = state.withLock { s in
                        defer { s.producer = nil }
                        return s.producer
                    }
                    producer?.resume(throwing: CancellationError())
                }
                try Task.checkCancellation()
            }
        }
    }

    /// Ends the stream: the consumer receives what is buffered, then `nil` (or `error`).
    public func finish(throwing error: (any Error)? = nil) {
        let (consumer, producer): (CheckedContinuation<Element?, any Error>?, CheckedContinuation<Void, any Error>?) =
            state.withLock { s in
                guard s.termination == nil else { return (nil, nil) }
                s.termination = .some(error)
                defer { s.consumer = nil; s.producer = nil }
                return (s.count == 0 ? s.consumer : nil, s.producer)
            }
        producer?.resume()
        if let consumer {
            if let error { consumer.resume(throwing: error) } else { consumer.resume(returning: nil) }
        }
    }

    /// The next element, `nil` once finished and drained. Only one task may call this at a time.
    public func next() async throws -> Element? {
        let step: NextStep = state.withLock { s in
            if let (element, producer) = s.takeFirst(capacity: capacity) { return .element(element, producer) }
            if let termination = s.termination { return .end(termination) }
            return .wait
        }
        switch step {
        case .element(let element, let producer):
            producer?.resume()
            return element
        case .end(let error):
            if let error { throw error }
            return nil
        case .cancelled:
            throw CancellationError()
        case .wait:
            return try await withTaskCancellationHandler {
                try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Element?, any Error>) in
                    let now: NextStep = state.withLock { s in
                        if let (element, producer) = s.takeFirst(capacity: capacity) { return .element(element, producer) }
                        if let termination = s.termination { return .end(termination) }
                        if Task.isCancelled { return .cancelled }
                        s.consumer = continuation
                        return .wait
                    }
                    switch now {
                    case .element(let element, let producer):
                        producer?.resume()
                        continuation.resume(returning: element)
                    case .end(let error):
                        if let error { continuation.resume(throwing: error) } else { continuation.resume(returning: nil) }
                    case .cancelled: continuation.resume(throwing: CancellationError())
                    case .wait: break
                    }
                }
            } onCancel: {
                let consumer = state.withLock { s in
                    defer { s.consumer = nil }
                    return s.consumer
                }
                consumer?.resume(throwing: CancellationError())
            }
        }
    }

    /// Called when the consumer stops listening: a blocked producer is released with an error.
    public func consumerFinished() {
        let producer = state.withLock { s in
            s.consumerGone = true
            defer { s.producer = nil }
            return s.producer
        }
        producer?.resume(throwing: CancellationError())
    }
}

extension BoundedChannel {
    /// Delivers `element` without suspending; returns `false` when the buffer is full or the
    /// channel has ended. For producers that never have more than `capacity` elements in flight.
    public func tryYield(_ element: Element) -> Bool {
        let step: YieldStep = state.withLock { s in
            if s.consumerGone || s.termination != nil { return .refused }
            if let consumer = s.consumer {
                s.consumer = nil
                return .delivered(consumer)
            }
            guard s.count < capacity else { return .refused }
            s.buffer[(s.head + s.count) % capacity] = element
            s.count += 1
            return .buffered
        }
        switch step {
        case .delivered(let consumer):
            consumer.resume(returning: element)
            return true
        case .buffered: return true
        case .refused: return false
        }
    }
}
