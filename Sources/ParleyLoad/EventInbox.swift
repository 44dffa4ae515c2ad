import Foundation

/// One server event (WSC `/events` message or Janus event), with the string fields a load
/// client looks at. `json` holds the whole message as received.
public struct ServerEvent: Sendable {
    public var type: String
    public var fields: [String: String]
    public var json: String

    /// Parses a JSON object; top-level string and number fields land in `fields`.
    /// - Parameter typeKey: `type` for WSC, `janus` for Janus.
    public static func parse(_ text: String, typeKey: String = "type") -> ServerEvent? {
        guard let data = text.data(using: .utf8),
              let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
        var fields: [String: String] = [:]
        for (key, value) in object {
            if let s = value as? String { fields[key] = s } else if let n = value as? NSNumber { fields[key] = n.stringValue }
        }
        return ServerEvent(type: fields[typeKey] ?? "", fields: fields, json: text)
    }
}

/// Errors while waiting for events.
public enum EventWaitError: Error, CustomStringConvertible {
    case timeout(what: String, seconds: Double)
    case closed(String)

    public var description: String {
        switch self {
        case .timeout(let what, let s): return "no \(what) within \(Int(s)) s"
        case .closed(let reason): return "event stream closed: \(reason)"
        }
    }
}

/// Events received on one connection, and tasks waiting for particular ones. Keeps at most
/// `capacity` events (oldest dropped); every wait has a timeout.
public actor EventInbox {
    public let capacity: Int
    private var events: [ServerEvent] = []
    private var dropped = 0
    private var closedReason: String?
    private var waiters: [Int: (predicate: @Sendable (ServerEvent) -> Bool, after: Int, continuation: CheckedContinuation<ServerEvent, Error>)] = [:]
    private var nextWaiter = 0

    public init(capacity: Int = 512) { self.capacity = max(16, capacity) }

    /// Index to pass as `after` so a wait looks only at events received from now on.
    public func mark() -> Int { dropped + events.count }

    public func append(_ event: ServerEvent) {
        events.append(event)
        if events.count > capacity {
            events.removeFirst(events.count - capacity)
            dropped += 1
        }
        let index = dropped + events.count - 1
        for (id, waiter) in waiters where index >= waiter.after && waiter.predicate(event) {
            waiters[id] = nil
            waiter.continuation.resume(returning: event)
        }
    }

    /// Fails every current and future wait with `reason`.
    public func close(_ reason: String) {
        guard closedReason == nil else { return }
        closedReason = reason
        for (_, waiter) in waiters { waiter.continuation.resume(throwing: EventWaitError.closed(reason)) }
        waiters.removeAll()
    }

    /// The first event at index ≥ `after` matching `predicate`, waiting up to `timeout` seconds.
    /// - Throws: `EventWaitError.timeout` / `.closed`.
    public func wait(what: String, after: Int, timeout: Double,
                     where predicate: @escaping @Sendable (ServerEvent) -> Bool) async throws -> ServerEvent {
        let start = max(0, after - dropped)
        if start < events.count, let found = events[start...].first(where: predicate) { return found }
        if let closedReason { throw EventWaitError.closed(closedReason) }
        let id = nextWaiter
        nextWaiter += 1
        let timeoutTask = Task { [weak self] in
            try? await Task.sleep(nanoseconds: UInt64(max(0, timeout) * 1e9))
            await self?.expire(id, what: what, timeout: timeout)
        }
        defer { timeoutTask.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            waiters[id] = (predicate, after, continuation)
        }
    }

    private func expire(_ id: Int, what: String, timeout: Double) {
        guard let waiter = waiters.removeValue(forKey: id) else { return }
        waiter.continuation.resume(throwing: EventWaitError.timeout(what: what, seconds: timeout))
    }
}
