import Foundation
import HTTPTypes
import HummingbirdWSClient
import Logging
import NIOCore
import NIOHTTP1

/// Meetings of the WSC meeting API (Parley): `POST /rooms` (group, all participants members),
/// `POST /meetings`, `POST /meetings/{id}/start` by the first participant (spec §3.2).
public final class WSCMeetingFactory: MeetingSignalingFactory, @unchecked Sendable {
    let http: MiniHTTPClient
    let endpoint: HTTPEndpoint
    let group: EventLoopGroup
    private let lock = NSLock()
    private var meetingIds: [Int: String] = [:]
    private var owners: [Int: WSCParticipant] = [:]

    public init(endpoint: HTTPEndpoint, group: EventLoopGroup) {
        self.endpoint = endpoint
        self.group = group
        self.http = MiniHTTPClient(group: group)
    }

    func meetingId(_ meeting: Int) -> String? { lock.withLock { meetingIds[meeting] } }

    public func participant(user: LoadUser, meeting: Int, isOwner: Bool) -> ParticipantSignaling {
        WSCParticipant(factory: self, user: user, meeting: meeting)
    }

    public func createMeeting(_ meeting: Int, owner: ParticipantSignaling, members: [LoadUser]) async throws {
        guard let owner = owner as? WSCParticipant else { throw SignalingError(step: "room", reason: "owner is not a WSC participant") }
        let body: [String: Any] = ["type": "group", "name": "load-\(meeting)",
                                   "members": members.map { ["userId": $0.id, "owner": false] }]
        let room = try await owner.rest("POST", "/rooms", json: body, expect: [201], step: "room")
        guard let roomId = room["id"] as? String else { throw SignalingError(step: "room", reason: "POST /rooms answer has no id") }
        let created = try await owner.rest("POST", "/meetings", json: ["name": "load-\(meeting)", "meetingType": "permanent", "roomId": roomId],
                                           expect: [200], step: "meeting")
        guard let meetingId = created["id"] as? String else { throw SignalingError(step: "meeting", reason: "POST /meetings answer has no id") }
        _ = try await owner.rest("POST", "/meetings/\(meetingId)/start", json: nil, expect: [200], step: "start")
        lock.withLock {
            meetingIds[meeting] = meetingId
            owners[meeting] = owner
        }
    }

    public func teardown() async {
        let list = lock.withLock { owners.map { ($0.value, meetingIds[$0.key]) } }
        for (owner, id) in list {
            guard let id else { continue }
            _ = try? await owner.rest("POST", "/meetings/\(id)/stop", json: nil, expect: [200, 204], step: "stop", timeout: 5)
        }
    }
}

/// One WSC user: REST with `Authorization: Bearer`, the `/events` WebSocket (queue id, pings
/// every 10 s), and the media signaling of spec §3.3–3.5.
final class WSCParticipant: ParticipantSignaling, @unchecked Sendable {
    let factory: WSCMeetingFactory
    let user: LoadUser
    let meeting: Int
    let inbox = EventInbox()
    private let lock = NSLock()
    private var queueId: String?
    private var socketTask: Task<Void, Never>?
    private var pendingOffer: Int = 0

    init(factory: WSCMeetingFactory, user: LoadUser, meeting: Int) {
        self.factory = factory
        self.user = user
        self.meeting = meeting
    }

    private var meetingId: String {
        get throws {
            guard let id = factory.meetingId(meeting) else { throw SignalingError(step: "join", reason: "meeting was not created") }
            return id
        }
    }

    func connect() async throws {
        // An authenticated request first: a bad token or secret shows up as its HTTP status
        // (401) instead of a bare refused upgrade, and the server records the user (README).
        _ = try await rest("GET", "/meetings", json: nil, expect: [200], step: "connect")
        let endpoint = factory.endpoint
        let url = "ws://\(endpoint.host):\(endpoint.port)\(endpoint.basePath)/events"
        var headers = HTTPFields()
        headers[.authorization] = "Bearer \(user.token)"
        let inbox = self.inbox
        let group = factory.group
        var logger = Logger(label: "parley-load.ws")
        logger.logLevel = .critical
        let (queueStream, queueContinuation) = AsyncStream<String>.makeStream()
        let failure = FailureBox()
        socketTask = Task {
            do {
                try await WebSocketClient.connect(url: url, configuration: .init(maxFrameSize: 1 << 20, additionalHeaders: headers),
                                                  eventLoopGroup: group, logger: logger) { inbound, outbound, _ in
                    let pinger = Task {
                        for _ in 0..<2_000 where !Task.isCancelled {   // ≤ 5.5 h of pings
                            try? await Task.sleep(nanoseconds: 10_000_000_000)
                            try? await outbound.write(.text(#"{"type":"ping"}"#))
                        }
                    }
                    defer { pinger.cancel() }
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        guard case .text(let text) = message, let event = ServerEvent.parse(text) else { continue }
                        if event.type == "websocketConnected", let q = event.fields["queueId"] {
                            queueContinuation.yield(q)
                        } else if event.type != "pong" {
                            await inbox.append(event)
                        }
                    }
                }
                await inbox.close("WebSocket closed by the server")
            } catch {
                failure.set("\(error)")
                await inbox.close("WebSocket failed: \(error)")
            }
            queueContinuation.finish()
        }
        let timeout = Task {
            try? await Task.sleep(nanoseconds: 10_000_000_000)
            queueContinuation.finish()
        }
        defer { timeout.cancel() }
        var iterator = queueStream.makeAsyncIterator()
        guard let queue = await iterator.next() else {
            socketTask?.cancel()
            if let reason = failure.value {
                throw SignalingError(step: "connect", reason: "WebSocket /events: \(reason)")
            }
            throw SignalingError(step: "connect", reason: "no websocketConnected on /events within 10 s")
        }
        lock.withLock { queueId = queue }
    }

    func join() async throws {
        let id = try meetingId
        _ = try await rest("POST", "/meetings/\(id)/join", json: ["audioStreamEnabled": false, "videoStreamEnabled": true],
                           expect: [200], step: "join")
    }

    func publishVideo(offer: String, publisher: PublisherRef) async throws -> String {
        let id = try meetingId
        let mark = await inbox.mark()
        _ = try await rest("PUT", "/meetings/\(id)/media", json: ["type": "video", "enabled": true, "sdp": offer],
                           expect: [204], step: "publish")
        let event = try await waitEvent("MEETING_SDP_ANSWERED", after: mark, step: "publish") { $0.fields["meetingId"] == id && $0.fields["mediaType"] == "VIDEO" }
        guard let sdp = event.fields["sdp"] else { throw SignalingError(step: "publish", reason: "MEETING_SDP_ANSWERED without sdp") }
        return sdp
    }

    func publishAudio(offer: String) async throws -> String {
        let id = try meetingId
        let mark = await inbox.mark()
        _ = try await rest("PUT", "/meetings/\(id)/audio/offer", json: ["sdp": offer], expect: [200, 204], step: "audio")
        let event = try await waitEvent("MEETING_AUDIO_ANSWERED", after: mark, step: "audio") { $0.fields["meetingId"] == id }
        guard let sdp = event.fields["sdp"] else { throw SignalingError(step: "audio", reason: "MEETING_AUDIO_ANSWERED without sdp") }
        return sdp
    }

    func subscribe(to publishers: [PublisherRef]) async throws -> String {
        let id = try meetingId
        let mark = await inbox.mark()
        _ = try await rest("PUT", "/meetings/\(id)/media/subscribe",
                           json: ["subscribe": publishers.map { ["userId": $0.userId, "type": "video"] }, "unsubscribe": [Any]()],
                           expect: [204], step: "subscribe")
        let event = try await waitEvent("MEETING_SDP_OFFERED", after: mark, step: "subscribe") { $0.fields["meetingId"] == id }
        guard let sdp = event.fields["sdp"] else { throw SignalingError(step: "subscribe", reason: "MEETING_SDP_OFFERED without sdp") }
        return sdp
    }

    func answerSubscription(_ sdp: String) async throws {
        let id = try meetingId
        _ = try await rest("PUT", "/meetings/\(id)/media/answer", json: ["sdp": sdp], expect: [204], step: "answer")
    }

    func leave() async {
        if let id = factory.meetingId(meeting) {
            _ = try? await rest("POST", "/meetings/\(id)/leave", json: nil, expect: [204], step: "leave", timeout: 5)
        }
        socketTask?.cancel()
        await inbox.close("left")
    }

    private func waitEvent(_ type: String, after: Int, step: String,
                           where predicate: @escaping @Sendable (ServerEvent) -> Bool) async throws -> ServerEvent {
        do {
            return try await inbox.wait(what: type, after: after, timeout: 15) { $0.type == type && predicate($0) }
        } catch {
            throw SignalingError(step: step, reason: "\(error)")
        }
    }

    /// One REST call; returns the JSON object body (empty for no body).
    /// - Throws: `SignalingError` with the HTTP status for an unexpected one.
    func rest(_ method: String, _ path: String, json: Any?, expect: Set<Int>, step: String,
              timeout: Double = 10) async throws -> [String: Any] {
        let endpoint = factory.endpoint
        var headers = [("Authorization", "Bearer \(user.token)")]
        if let q = lock.withLock({ queueId }) { headers.append(("queue-id", q)) }
        var body: [UInt8]?
        if let json {
            headers.append(("Content-Type", "application/json"))
            body = Array((try? JSONSerialization.data(withJSONObject: json)) ?? Data())
        }
        let result: HTTPResult
        do {
            result = try await factory.http.request(HTTPMethod(rawValue: method), host: endpoint.host, port: endpoint.port,
                                                    path: endpoint.basePath + path, headers: headers, body: body, timeout: timeout)
        } catch {
            throw SignalingError(step: step, reason: "\(method) \(path): \(error)")
        }
        guard expect.contains(result.status) else {
            let text = String(result.text.prefix(160)).replacingOccurrences(of: "\n", with: " ")
            throw SignalingError(step: step, reason: "\(method) \(path) -> HTTP \(result.status)\(text.isEmpty ? "" : " \(text)")",
                                 status: result.status)
        }
        guard !result.body.isEmpty else { return [:] }
        return (try? JSONSerialization.jsonObject(with: Data(result.body)) as? [String: Any]) ?? [:]
    }
}

/// A string set once from a task, read later.
final class FailureBox: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: String?
    func set(_ text: String) { lock.withLock { if stored == nil { stored = text } } }
    var value: String? { lock.withLock { stored } }
}
