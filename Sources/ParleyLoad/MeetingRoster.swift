/// In-process list of the publishers of one meeting whose publishing succeeded, and the
/// participants to tell when one is added (so they subscribe to it). Streams end on `close()`.
public actor MeetingRoster {
    public private(set) var published: [PublisherRef] = []
    private var listeners: [Int: AsyncStream<Void>.Continuation] = [:]
    private var closed = false

    public init() {}

    /// A stream that yields once now and whenever a publisher is added; finishes on `close()`.
    public func listen(participant: Int) -> AsyncStream<Void> {
        let (stream, continuation) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
        if closed {
            continuation.finish()
        } else {
            listeners[participant] = continuation
            continuation.yield()
        }
        return stream
    }

    public func add(_ publisher: PublisherRef) {
        guard !published.contains(publisher) else { return }
        published.append(publisher)
        for continuation in listeners.values { continuation.yield() }
    }

    public func close() {
        closed = true
        for continuation in listeners.values { continuation.finish() }
        listeners.removeAll()
    }
}
