import Foundation
import Logging
import Meetings

/// In-process fan-out of events to open WebSocket connections (replaces WSC's RabbitMQ,
/// spec §6 item 6): a topic per user (every connection of that user) and per queue (one
/// connection, identified by its `queueId`).
///
/// Sending never blocks: each connection has a bounded outbound buffer; when a client stops
/// reading, the oldest unsent messages are kept and newer ones are dropped and counted.
public final class EventHub: @unchecked Sendable {
    /// Messages buffered per connection before dropping.
    public static let bufferLimit = 4096

    private struct Connection {
        var userId: UUID
        var naming: EventNaming
        var continuation: AsyncStream<String>.Continuation
    }

    private let lock = NSLock()
    private var connections: [UUID: Connection] = [:]
    private var queuesByUser: [UUID: Set<UUID>] = [:]
    private var droppedMessages = 0
    private var sentMessages = 0
    private var ignoredMessages = 0
    private let logger: Logger

    public init(logger: Logger = Logger(label: "parley.events")) {
        self.logger = logger
    }

    /// Registers a connection of `userId` that reads event types in `naming` and returns its
    /// queue id and outbound messages. `welcome(queueId)` is the first message, queued before
    /// any event can reach the connection.
    public func connect(
        userId: UUID, queueId: UUID = UUID(), naming: EventNaming = .v160, welcome: (UUID) -> String
    ) -> (queueId: UUID, messages: AsyncStream<String>) {
        let (stream, continuation) = AsyncStream<String>.makeStream(bufferingPolicy: .bufferingOldest(Self.bufferLimit))
        lock.lock()
        defer { lock.unlock() }
        continuation.yield(welcome(queueId))
        connections[queueId] = Connection(userId: userId, naming: naming, continuation: continuation)
        queuesByUser[userId, default: []].insert(queueId)
        return (queueId, stream)
    }

    /// Unregisters a connection and ends its message stream. Unknown ids are ignored.
    public func disconnect(queueId: UUID) {
        lock.lock()
        let removed = connections.removeValue(forKey: queueId)
        if let removed {
            queuesByUser[removed.userId]?.remove(queueId)
            if queuesByUser[removed.userId]?.isEmpty == true { queuesByUser[removed.userId] = nil }
        }
        lock.unlock()
        removed?.continuation.finish()
    }

    /// Sends `text` as is (same in every naming) once to every connection addressed.
    public func send(_ text: String, to addresses: DeliveryAddresses) {
        send({ _ in text }, to: addresses)
    }

    /// Sends an event once to every connection addressed (a connection addressed both as a
    /// user's and as a queue gets it once), each in its connection's naming.
    public func send(_ event: MeetingEvent, sentDate: Date, to addresses: DeliveryAddresses) {
        var encoded: [EventNaming: String] = [:]
        send({ naming in
            if let text = encoded[naming] { return text }
            let text = EventEncoding.json(event, sentDate: sentDate, naming: naming)
            encoded[naming] = text
            return text
        }, to: addresses)
    }

    /// Sends `render(naming)` to every addressed connection; called under the lock.
    private func send(_ render: (EventNaming) -> String, to addresses: DeliveryAddresses) {
        lock.lock()
        defer { lock.unlock() }
        var targets = addresses.queues.filter { connections[$0] != nil }
        for user in addresses.users { targets.formUnion(queuesByUser[user] ?? []) }
        for queueId in targets {
            guard let connection = connections[queueId] else { continue }
            if case .dropped = connection.continuation.yield(render(connection.naming)) {
                droppedMessages += 1
                logger.warning("event dropped: client not reading", metadata: ["queueId": "\(queueId)"])
            } else {
                sentMessages += 1
            }
        }
    }

    /// Encodes and sends events in order, all stamped `sentDate`.
    public func deliver(_ events: [AddressedEvent], sentDate: Date) {
        for event in events where !event.addresses.isEmpty {
            send(event.event, sentDate: sentDate, to: event.addresses)
        }
    }

    /// Open connections of `userId`.
    public func queues(of userId: UUID) -> Set<UUID> {
        lock.lock()
        defer { lock.unlock() }
        return queuesByUser[userId] ?? []
    }

    /// Number of open connections.
    public var connectionCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return connections.count
    }

    /// Counts a client message that was neither a ping nor blank (ignored, spec §4.1 deviation).
    public func countIgnoredMessage() {
        lock.lock()
        ignoredMessages += 1
        lock.unlock()
    }

    /// Client messages ignored so far.
    public var ignoredCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return ignoredMessages
    }

    /// Messages queued to connections by ``send(_:to:)`` / ``deliver(_:sentDate:)`` (one per
    /// addressed connection), not counting drops; exported as `parley_events_sent_total`.
    public var sentCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return sentMessages
    }

    /// Messages dropped because a connection's buffer was full.
    public var droppedCount: Int {
        lock.lock()
        defer { lock.unlock() }
        return droppedMessages
    }
}
