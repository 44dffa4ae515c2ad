import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Meetings
import ParleyServer
import Storage
import XCTest

/// A media plane double that records every call; an offer or answer containing "bad" is
/// refused with `invalidSDP`, one containing "down" with `unavailable`.
final class RecordingMediaPlane: MeetingMediaPlane, @unchecked Sendable {
    enum Call: Equatable {
        case publish(meetingId: UUID, userId: UUID, type: MediaStreamType, offer: String)
        case unpublish(meetingId: UUID, userId: UUID, type: MediaStreamType)
        case updateSubscriptions(meetingId: UUID, userId: UUID, subscribe: [MediaStreamRef], unsubscribe: [MediaStreamRef])
        case applySubscriberAnswer(meetingId: UUID, userId: UUID, answer: String)
        case removeParticipant(meetingId: UUID, userId: UUID)
        case closeMeeting(meetingId: UUID)
        case audioOffer(meetingId: UUID, userId: UUID, offer: String)
        case setAudioEnabled(meetingId: UUID, userId: UUID, enabled: Bool)
    }

    private let lock = NSLock()
    private var recorded: [Call] = []
    private var sink: (@Sendable (MediaPlaneEvent) -> Void)?

    /// Reports `event` as the real media plane would (from another thread).
    func emit(_ event: MediaPlaneEvent) {
        lock.lock()
        let sink = self.sink
        lock.unlock()
        sink?(event)
    }

    var calls: [Call] {
        lock.lock()
        defer { lock.unlock() }
        return recorded
    }

    private func record(_ call: Call) {
        lock.lock()
        recorded.append(call)
        lock.unlock()
    }

    private func check(_ sdp: String) throws {
        if sdp.contains("bad") { throw MediaPlaneError.invalidSDP("no a=fingerprint line") }
        if sdp.contains("down") { throw MediaPlaneError.unavailable("SFU stopped") }
    }

    func publish(meetingId: UUID, userId: UUID, type: MediaStreamType, offer: String) async throws -> String {
        try check(offer)
        record(.publish(meetingId: meetingId, userId: userId, type: type, offer: offer))
        return "answer-for-\(type.rawValue)"
    }

    func unpublish(meetingId: UUID, userId: UUID, type: MediaStreamType) async {
        record(.unpublish(meetingId: meetingId, userId: userId, type: type))
    }

    func updateSubscriptions(
        meetingId: UUID, userId: UUID, subscribe: [MediaStreamRef], unsubscribe: [MediaStreamRef]
    ) async throws -> SubscriptionOffer {
        record(.updateSubscriptions(meetingId: meetingId, userId: userId, subscribe: subscribe, unsubscribe: unsubscribe))
        let streams = subscribe.enumerated().map { SubscribedStreamInfo(userId: $0.element.userId, type: $0.element.type, mid: "\($0.offset)") }
        return SubscriptionOffer(sdp: "subscriber-offer", streams: streams)
    }

    func applySubscriberAnswer(meetingId: UUID, userId: UUID, answer: String) async throws {
        try check(answer)
        record(.applySubscriberAnswer(meetingId: meetingId, userId: userId, answer: answer))
    }

    func removeParticipant(meetingId: UUID, userId: UUID) async {
        record(.removeParticipant(meetingId: meetingId, userId: userId))
    }

    func closeMeeting(meetingId: UUID) async {
        record(.closeMeeting(meetingId: meetingId))
    }

    func audioOffer(meetingId: UUID, userId: UUID, offer: String) async throws -> String {
        try check(offer)
        record(.audioOffer(meetingId: meetingId, userId: userId, offer: offer))
        return "audio-answer"
    }

    func setAudioEnabled(meetingId: UUID, userId: UUID, enabled: Bool) async {
        record(.setAudioEnabled(meetingId: meetingId, userId: userId, enabled: enabled))
    }

    func setEventSink(_ sink: @escaping @Sendable (MediaPlaneEvent) -> Void) {
        lock.lock()
        self.sink = sink
        lock.unlock()
    }
}

/// An application over an in-memory database, a recording media plane and an inspectable hub.
struct TestServer {
    static let secret = "test-secret-test-secret-test-secret"
    let store: ParleyStore
    let plane = RecordingMediaPlane()
    let hub = EventHub()
    let tokens: TokenService
    let config: ParleyConfig
    let app: any ApplicationProtocol

    /// Runs `body` with a fresh server (configuration changed by `configure`) and closes its
    /// database afterwards, whatever happens.
    static func with(
        configure: (inout ParleyConfig) -> Void = { _ in }, _ body: (TestServer) async throws -> Void
    ) async throws {
        let server = try await make(configure: configure)
        do {
            try await body(server)
        } catch {
            try? await TestDatabase.close(server.store)
            throw error
        }
        try await TestDatabase.close(server.store)
    }

    static func make(configure: (inout ParleyConfig) -> Void = { _ in }) async throws -> TestServer {
        var logger = Logger(label: "parley-tests")
        logger.logLevel = .warning
        let store = try await TestDatabase.open(logger: logger)
        var config = ParleyConfig(httpHost: "127.0.0.1", httpPort: 0, databaseURL: "sqlite::memory:", tokenSecret: Self.secret)
        configure(&config)
        return try await TestServer(store: store, config: config, logger: logger)
    }

    private init(store: ParleyStore, config: ParleyConfig, logger: Logger) async throws {
        self.store = store
        self.config = config
        tokens = try await TokenService(secret: Self.secret)
        app = try await ParleyServer.buildApplication(config: config, store: store, mediaPlane: plane, hub: hub, logger: logger)
    }

    func token(_ user: User) async throws -> String {
        try await tokens.issue(for: user, ttl: 3600)
    }

    /// Cookie auth headers (what the WSC web client sends), plus `queue-id` when given.
    func headers(_ user: User, queueId: String? = nil) async throws -> HTTPFields {
        var headers = HTTPFields()
        headers[.cookie] = "ZM_AUTH_TOKEN=\(try await token(user))"
        if let queueId { headers[HTTPFields.Element.Name("queue-id")!] = queueId }
        return headers
    }

    /// Records users as if they had already been seen with a token.
    func seed(_ users: [User]) async throws {
        try await store.transaction { session in
            for user in users { try await session.upsertUser(user, now: Date()) }
        }
    }
}

extension ByteBuffer {
    /// A buffer holding `string` as UTF-8.
    static func json(_ string: String) -> ByteBuffer { ByteBuffer(string: string) }
}

extension TestResponse {
    /// The body as a JSON object (fails the test otherwise).
    func jsonObject(file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let object = try JSONSerialization.jsonObject(with: Data(body.readableBytesView))
        return try XCTUnwrap(object as? [String: Any], "not a JSON object: \(String(buffer: body))", file: file, line: line)
    }
}

/// Parses one event message.
func parseEvent(_ text: String) throws -> [String: Any] {
    try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any], "not a JSON object: \(text)")
}

/// A thread-safe log of received messages.
final class MessageLog: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []

    func append(_ message: String) {
        lock.lock()
        storage.append(message)
        lock.unlock()
    }

    var messages: [String] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }

    /// Event `type`s received so far, in order.
    var types: [String] { messages.compactMap { (try? parseEvent($0))?["type"] as? String } }

    /// Parsed events of `type`.
    func events(_ type: String) -> [[String: Any]] {
        messages.compactMap { try? parseEvent($0) }.filter { $0["type"] as? String == type }
    }

    /// Collects every message of `stream` in the background.
    static func collecting(_ stream: AsyncStream<String>) -> MessageLog {
        let log = MessageLog()
        Task { for await message in stream { log.append(message) } }
        return log
    }
}

/// Polls `condition` every 10 ms until it holds or `timeout` seconds pass; returns whether it held.
@discardableResult
func eventually(timeout: Double = 5, _ condition: () -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        try? await Task.sleep(nanoseconds: 10_000_000)
    }
    return condition()
}

/// Asserts the status of a response produced asynchronously.
func expectStatus(
    _ expected: HTTPResponse.Status, _ response: @autoclosure () async throws -> TestResponse, _ message: String = "",
    file: StaticString = #filePath, line: UInt = #line
) async throws {
    let status = try await response().status
    XCTAssertEqual(status, expected, message, file: file, line: line)
}

/// Asserts that `condition` becomes true within `timeout` seconds.
func assertEventually(
    _ message: @autoclosure () -> String = "", timeout: Double = 5, file: StaticString = #filePath, line: UInt = #line,
    _ condition: () -> Bool
) async {
    let held = await eventually(timeout: timeout, condition)
    XCTAssertTrue(held, message(), file: file, line: line)
}
