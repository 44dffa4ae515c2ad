import Foundation
import NIOCore
import NIOHTTP1

/// Janus' HTTP API (janus.js protocol over plain HTTP): `POST /janus` (create), `POST
/// /janus/<session>` (attach, keepalive, destroy), `POST /janus/<session>/<handle>` (message with
/// optional jsep), `GET /janus/<session>?maxev=N` (long poll for events).
final class JanusHTTP: @unchecked Sendable {
    let http: MiniHTTPClient
    let endpoint: HTTPEndpoint

    init(http: MiniHTTPClient, endpoint: HTTPEndpoint) {
        self.http = http
        self.endpoint = endpoint
    }

    static func transaction() -> String { String(UInt64.random(in: 1...UInt64.max), radix: 36) }

    /// POSTs `body` (a `transaction` is added) to `path` below the base path; returns the JSON.
    /// - Throws: `SignalingError` for transport errors, non-200 status, `"janus":"error"`.
    func post(_ path: String, _ body: [String: Any], step: String, timeout: Double = 10) async throws -> [String: Any] {
        var body = body
        if body["transaction"] == nil { body["transaction"] = Self.transaction() }
        let data = Array((try? JSONSerialization.data(withJSONObject: body)) ?? Data())
        let result: HTTPResult
        do {
            result = try await http.request(.POST, host: endpoint.host, port: endpoint.port, path: endpoint.basePath + path,
                                            headers: [("Content-Type", "application/json")], body: data, timeout: timeout)
        } catch {
            throw SignalingError(step: step, reason: "POST \(path): \(error)")
        }
        guard result.status == 200 else {
            throw SignalingError(step: step, reason: "POST \(path) -> HTTP \(result.status)", status: result.status)
        }
        guard let json = try? JSONSerialization.jsonObject(with: Data(result.body)) as? [String: Any] else {
            throw SignalingError(step: step, reason: "POST \(path): answer is not a JSON object")
        }
        if json["janus"] as? String == "error" {
            let error = json["error"] as? [String: Any]
            throw SignalingError(step: step, reason: "Janus error \(error?["code"] ?? "?"): \(error?["reason"] ?? "")")
        }
        return json
    }

    /// `create`: a new session id.
    func createSession(step: String) async throws -> UInt64 {
        let json = try await post("", ["janus": "create"], step: step)
        guard let id = (json["data"] as? [String: Any])?["id"] as? NSNumber else {
            throw SignalingError(step: step, reason: "create: no session id")
        }
        return id.uint64Value
    }

    /// `attach` a plugin handle.
    func attach(session: UInt64, plugin: String, step: String) async throws -> UInt64 {
        let json = try await post("/\(session)", ["janus": "attach", "plugin": plugin], step: step)
        guard let id = (json["data"] as? [String: Any])?["id"] as? NSNumber else {
            throw SignalingError(step: step, reason: "attach \(plugin): no handle id")
        }
        return id.uint64Value
    }
}

/// Janus VideoRoom (and AudioBridge with `--audio`) meetings: one admin session creates room
/// number `meeting` (numeric ids, `publishers` = participants, `bitrate`, VP8 + Opus).
public final class JanusMeetingFactory: MeetingSignalingFactory, @unchecked Sendable {
    let api: JanusHTTP
    let participantsPerMeeting: Int
    let bitrate: Int
    let baseRoom = UInt64.random(in: 100_000...900_000) * 1000
    private let lock = NSLock()
    private var admin: (session: UInt64, video: UInt64, audio: UInt64)?
    private var rooms: [Int] = []

    public init(endpoint: HTTPEndpoint, group: EventLoopGroup, participantsPerMeeting: Int, bitrate: Int) {
        api = JanusHTTP(http: MiniHTTPClient(group: group), endpoint: endpoint)
        self.participantsPerMeeting = participantsPerMeeting
        self.bitrate = bitrate
    }

    func room(_ meeting: Int) -> UInt64 { baseRoom + UInt64(meeting) }

    public func participant(user: LoadUser, meeting: Int, isOwner: Bool) -> ParticipantSignaling {
        JanusParticipant(api: api, room: room(meeting), name: user.name)
    }

    private func adminHandles() async throws -> (session: UInt64, video: UInt64, audio: UInt64) {
        if let admin = lock.withLock({ admin }) { return admin }
        let session = try await api.createSession(step: "room")
        let video = try await api.attach(session: session, plugin: "janus.plugin.videoroom", step: "room")
        let audio = try await api.attach(session: session, plugin: "janus.plugin.audiobridge", step: "room")
        let handles = (session, video, audio)
        lock.withLock { admin = handles }
        // Keep the admin session alive for the run (Janus expires idle sessions after 60 s).
        Task { [api] in
            for _ in 0..<1_000 {
                try? await Task.sleep(nanoseconds: 20_000_000_000)
                do { _ = try await api.post("/\(session)", ["janus": "keepalive"], step: "keepalive") } catch { return }
            }
        }
        return handles
    }

    public func createMeeting(_ meeting: Int, owner: ParticipantSignaling, members: [LoadUser]) async throws {
        let admin = try await adminHandles()
        let room = room(meeting)
        let video = try await api.post("/\(admin.session)/\(admin.video)", ["janus": "message", "body": [
            "request": "create", "room": room, "publishers": participantsPerMeeting, "bitrate": bitrate,
            "videocodec": "vp8", "audiocodec": "opus", "is_private": false, "notify_joining": false,
            "description": "parley-load \(meeting)",
        ]], step: "room")
        try Self.expectPlugin(video, key: "videoroom", value: "created", step: "room")
        let audio = try await api.post("/\(admin.session)/\(admin.audio)", ["janus": "message", "body": [
            "request": "create", "room": room, "sampling_rate": 16_000, "is_private": false,
        ]], step: "room")
        try Self.expectPlugin(audio, key: "audiobridge", value: "created", step: "room")
        lock.withLock { rooms.append(meeting) }
    }

    static func expectPlugin(_ json: [String: Any], key: String, value: String, step: String) throws {
        let data = (json["plugindata"] as? [String: Any])?["data"] as? [String: Any]
        if let error = data?["error"] as? String { throw SignalingError(step: step, reason: "Janus \(key): \(error)") }
        guard data?[key] as? String == value else {
            throw SignalingError(step: step, reason: "Janus \(key) answered \(data?[key] ?? "nothing"), expected \(value)")
        }
    }

    public func teardown() async {
        guard let admin = lock.withLock({ admin }) else { return }
        for meeting in lock.withLock({ rooms }) {
            _ = try? await api.post("/\(admin.session)/\(admin.video)", ["janus": "message", "body": ["request": "destroy", "room": room(meeting)]],
                                    step: "teardown", timeout: 5)
            _ = try? await api.post("/\(admin.session)/\(admin.audio)", ["janus": "message", "body": ["request": "destroy", "room": room(meeting)]],
                                    step: "teardown", timeout: 5)
        }
        _ = try? await api.post("/\(admin.session)", ["janus": "destroy"], step: "teardown", timeout: 5)
    }
}

/// One participant as a Janus client: a session with a long-poll task, a publisher handle
/// (join as publisher, then `publish` with the offer), a subscriber handle (`join` ptype
/// subscriber with `streams`, later `update`; answers via `start`), an AudioBridge handle.
final class JanusParticipant: ParticipantSignaling, @unchecked Sendable {
    let api: JanusHTTP
    let room: UInt64
    let name: String
    let inbox = EventInbox()
    private let lock = NSLock()
    private var session: UInt64 = 0
    private var publisherHandle: UInt64?
    private var subscriberHandle: UInt64?
    private var subscriberJoined = false
    private var pollTask: Task<Void, Never>?

    init(api: JanusHTTP, room: UInt64, name: String) {
        self.api = api
        self.room = room
        self.name = name
    }

    func connect() async throws {
        let session = try await api.createSession(step: "connect")
        lock.withLock { self.session = session }
        let inbox = self.inbox, api = self.api
        pollTask = Task {
            var lastKeepalive = Date()
            var failures = 0
            var polls = 0
            // Bounded: 5 consecutive failures, or 20 000 polls (≥ 5.5 h at one per second).
            while !Task.isCancelled && failures < 5 && polls < 20_000 {
                polls += 1
                if Date().timeIntervalSince(lastKeepalive) > 20 {
                    lastKeepalive = Date()
                    _ = try? await api.post("/\(session)", ["janus": "keepalive"], step: "keepalive", timeout: 5)
                }
                do {
                    let result = try await api.http.request(.GET, host: api.endpoint.host, port: api.endpoint.port,
                                                            path: api.endpoint.basePath + "/\(session)?maxev=10", timeout: 35)
                    failures = 0
                    guard result.status == 200 else { failures += 1; continue }
                    let json = try? JSONSerialization.jsonObject(with: Data(result.body))
                    let list = (json as? [[String: Any]]) ?? ((json as? [String: Any]).map { [$0] } ?? [])
                    for item in list {
                        guard let data = try? JSONSerialization.data(withJSONObject: item),
                              let event = ServerEvent.parse(String(decoding: data, as: UTF8.self), typeKey: "janus") else { continue }
                        await inbox.append(event)
                    }
                } catch {
                    failures += 1
                    try? await Task.sleep(nanoseconds: 200_000_000)
                }
            }
            await inbox.close("Janus long poll ended")
        }
    }

    func join() async throws {}

    /// Sends a message on `handle` and waits for its asynchronous event (same transaction).
    private func message(handle: UInt64, body: [String: Any], jsep: [String: Any]?, step: String) async throws -> [String: Any] {
        let transaction = JanusHTTP.transaction()
        var request: [String: Any] = ["janus": "message", "body": body, "transaction": transaction]
        if let jsep { request["jsep"] = jsep }
        let mark = await inbox.mark()
        let session = lock.withLock { self.session }
        let answer = try await api.post("/\(session)/\(handle)", request, step: step)
        if answer["janus"] as? String == "success" { return answer }
        let event: ServerEvent
        do {
            event = try await inbox.wait(what: "Janus event for \(step)", after: mark, timeout: 15) {
                $0.type == "event" && $0.fields["transaction"] == transaction
            }
        } catch {
            throw SignalingError(step: step, reason: "\(error)")
        }
        guard let json = try? JSONSerialization.jsonObject(with: Data(event.json.utf8)) as? [String: Any] else {
            throw SignalingError(step: step, reason: "unreadable Janus event")
        }
        let data = (json["plugindata"] as? [String: Any])?["data"] as? [String: Any]
        if let error = data?["error"] as? String { throw SignalingError(step: step, reason: "Janus: \(error)") }
        return json
    }

    private static func sdp(_ event: [String: Any], step: String) throws -> String {
        guard let sdp = (event["jsep"] as? [String: Any])?["sdp"] as? String else {
            throw SignalingError(step: step, reason: "Janus event without jsep")
        }
        return sdp
    }

    func publishVideo(offer: String, publisher: PublisherRef) async throws -> String {
        let session = lock.withLock { self.session }
        let handle = try await api.attach(session: session, plugin: "janus.plugin.videoroom", step: "publish")
        lock.withLock { publisherHandle = handle }
        _ = try await message(handle: handle, body: ["request": "join", "ptype": "publisher", "room": room,
                                                     "id": publisher.feedId, "display": name], jsep: nil, step: "join")
        let event = try await message(handle: handle, body: ["request": "publish", "audio": false, "video": true],
                                      jsep: ["type": "offer", "sdp": offer], step: "publish")
        return try Self.sdp(event, step: "publish")
    }

    func publishAudio(offer: String) async throws -> String {
        let session = lock.withLock { self.session }
        let handle = try await api.attach(session: session, plugin: "janus.plugin.audiobridge", step: "audio")
        let event = try await message(handle: handle, body: ["request": "join", "room": room, "display": name, "muted": false],
                                      jsep: ["type": "offer", "sdp": offer], step: "audio")
        return try Self.sdp(event, step: "audio")
    }

    func subscribe(to publishers: [PublisherRef]) async throws -> String {
        let streams = publishers.map { ["feed": $0.feedId] }
        let session = lock.withLock { self.session }
        if lock.withLock({ subscriberHandle }) == nil {
            let handle = try await api.attach(session: session, plugin: "janus.plugin.videoroom", step: "subscribe")
            lock.withLock { subscriberHandle = handle }
        }
        guard let handle = lock.withLock({ subscriberHandle }) else { throw SignalingError(step: "subscribe", reason: "no handle") }
        let first = !lock.withLock { subscriberJoined }
        let body: [String: Any] = first
            ? ["request": "join", "ptype": "subscriber", "room": room, "streams": streams, "use_msid": true]
            : ["request": "update", "subscribe": streams]
        let event = try await message(handle: handle, body: body, jsep: nil, step: "subscribe")
        lock.withLock { subscriberJoined = true }
        return try Self.sdp(event, step: "subscribe")
    }

    func answerSubscription(_ sdp: String) async throws {
        guard let handle = lock.withLock({ subscriberHandle }) else { throw SignalingError(step: "answer", reason: "no subscriber handle") }
        _ = try await message(handle: handle, body: ["request": "start"], jsep: ["type": "answer", "sdp": sdp], step: "answer")
    }

    func leave() async {
        let session = lock.withLock { self.session }
        if session != 0 { _ = try? await api.post("/\(session)", ["janus": "destroy"], step: "leave", timeout: 5) }
        pollTask?.cancel()
        await inbox.close("left")
    }
}
