import Foundation
import Hummingbird
import Meetings
import Storage

// JSON shapes of the WSC API (spec §1.2 "Meeting JSON", "Participant JSON"; §1.3 "Room JSON";
// seed fragment for field names). Optionals are omitted when nil (synthesised Encodable uses
// encodeIfPresent); UUIDs are lowercase strings.

struct ParticipantBody: Encodable {
    var userId: String
    var queueId: String
    var audioStreamEnabled: Bool
    var videoStreamEnabled: Bool
    var screenStreamEnabled: Bool
    var joinedAt: Date
    var handRaisedAt: Date?

    init(_ p: Participant) {
        userId = p.userId.apiString
        queueId = p.queueId.apiString
        audioStreamEnabled = p.audioStreamEnabled
        videoStreamEnabled = p.videoStreamEnabled
        screenStreamEnabled = p.screenStreamEnabled
        joinedAt = p.joinedAt
        handRaisedAt = p.handRaisedAt
    }
}

struct MeetingBody: Encodable {
    var id: String
    var name: String?
    var roomId: String
    var active: Bool
    var participants: [ParticipantBody]
    var createdAt: Date
    var startedAt: Date?
    var meetingType: String
    /// Only while a recording is in status STARTED.
    var recStartedAt: Date?
    var recUserId: String?

    init(_ m: Meeting) {
        id = m.id.apiString
        name = m.name
        roomId = m.roomId.apiString
        active = m.active
        participants = m.participants.map(ParticipantBody.init)
        createdAt = m.createdAt
        startedAt = m.active ? m.startedAt : nil
        meetingType = m.meetingType.rawValue
        recStartedAt = m.recording?.startedAt
        recUserId = m.recording?.starterId.apiString
    }
}

struct MemberBody: Encodable {
    var userId: String
    var owner: Bool
}

struct UserSettingsBody: Encodable {
    var muted: Bool
    var clearedAt: Date?
}

struct RoomBody: Encodable {
    var id: String
    var name: String?
    var description: String?
    var type: String
    var meetingId: String?
    var createdAt: Date
    var updatedAt: Date
    var pictureUpdatedAt: Date?
    var members: [MemberBody]?
    var userSettings: UserSettingsBody?

    /// With members and (default) user settings, as `POST /rooms` returns.
    init(_ r: Room) {
        self.init(r, members: true, settings: RoomUserSettings())
    }

    /// `members` / `userSettings` only when asked for (`GET /rooms?extraFields=…`; `PUT
    /// /rooms/{id}` returns neither).
    init(_ r: Room, members withMembers: Bool, settings: RoomUserSettings?) {
        id = r.id.apiString
        name = r.name
        description = r.description
        type = r.type.rawValue
        meetingId = r.meetingId?.apiString
        createdAt = r.createdAt
        updatedAt = r.updatedAt
        pictureUpdatedAt = r.pictureUpdatedAt
        members = withMembers ? r.members.map { MemberBody(userId: $0.userId.apiString, owner: $0.owner) } : nil
        userSettings = settings.map { UserSettingsBody(muted: $0.muted, clearedAt: $0.clearedAt) }
    }
}

struct JoinStatusBody: Encodable {
    var status: String
}

// MARK: - Request bodies (unknown fields are ignored; enums case-insensitive)

/// `RoomCreationFields {type*, name?, description?, members?: [{userId*, owner?}]}`.
struct RoomCreationBody: Decodable {
    struct MemberField: Decodable {
        var userId: String
        var owner: Bool?
    }
    var type: String
    var name: String?
    var description: String?
    var members: [MemberField]?

    func validated() throws -> RoomCreation {
        guard let roomType = RoomType(caseInsensitive: type) else { throw APIError.badRequest("unknown room type") }
        let members = try (members ?? []).map { field -> MemberRequest in
            guard let id = UUID(uuidString: field.userId) else { throw APIError.badRequest("member userId is not a UUID") }
            return MemberRequest(userId: id, owner: field.owner ?? false)
        }
        return RoomCreation(type: roomType, name: name, description: description, members: members)
    }
}

/// `NewMeetingData {name*, meetingType*, roomId, expiration?}`.
struct NewMeetingBody: Decodable {
    var name: String
    var meetingType: String
    var roomId: String?
    var expiration: Date?

    func validated() throws -> (name: String, type: MeetingType, roomId: UUID, expiration: Date?) {
        guard let type = MeetingType(caseInsensitive: meetingType) else { throw APIError.badRequest("unknown meetingType") }
        guard let roomText = roomId else { throw APIError.badRequest("roomId missing") }
        guard let room = UUID(uuidString: roomText) else { throw APIError.badRequest("roomId is not a UUID") }
        return (name, type, room, expiration)
    }
}

/// `JoinSettings {audioStreamEnabled*, videoStreamEnabled*}` (values ignored by the server).
struct JoinSettingsBody: Decodable {
    var audioStreamEnabled: Bool
    var videoStreamEnabled: Bool
}

/// `MediaStreamSettings {type*, enabled*, sdp?}`; `sdp` required when enabling.
struct MediaStreamSettingsBody: Decodable {
    var type: String
    var enabled: Bool
    var sdp: String?

    func validated() throws -> (type: MediaStreamType, enabled: Bool, sdp: String?) {
        guard let streamType = MediaStreamType(caseInsensitive: type) else { throw APIError.badRequest("unknown media type") }
        if enabled && (sdp ?? "").isEmpty { throw APIError.badRequest("sdp required when enabling") }
        return (streamType, enabled, sdp)
    }
}

/// `MediaStream {userId*, type*}`.
struct MediaStreamBody: Decodable {
    var userId: String
    var type: String

    func validated() throws -> MediaStreamRef {
        guard let id = UUID(uuidString: userId) else { throw APIError.badRequest("stream userId is not a UUID") }
        guard let streamType = MediaStreamType(caseInsensitive: type) else { throw APIError.badRequest("unknown stream type") }
        return MediaStreamRef(userId: id, type: streamType)
    }
}

/// `SubscriptionUpdates {subscribe*, unsubscribe*}`; not both empty.
struct SubscriptionUpdatesBody: Decodable {
    var subscribe: [MediaStreamBody]
    var unsubscribe: [MediaStreamBody]

    func validated() throws -> (subscribe: [MediaStreamRef], unsubscribe: [MediaStreamRef]) {
        guard !subscribe.isEmpty || !unsubscribe.isEmpty else { throw APIError.badRequest("both lists empty") }
        return (deduplicated(try subscribe.map { try $0.validated() }), deduplicated(try unsubscribe.map { try $0.validated() }))
    }

    private func deduplicated(_ refs: [MediaStreamRef]) -> [MediaStreamRef] {
        var seen = Set<MediaStreamRef>()
        return refs.filter { seen.insert($0).inserted }
    }
}

/// `{"users": [uuid, ...]}` (M9).
struct WaitingUsersBody: Encodable {
    var users: [String]
}

/// `{"status": "ACCEPTED"|"REJECTED"}` (M10).
struct QueueDecisionBody: Decodable {
    var status: String

    func validated() throws -> WaitingDecision {
        guard let decision = WaitingDecision(caseInsensitive: status) else { throw APIError.badRequest("unknown status") }
        return decision
    }
}

/// `{"sdp": "..."}`.
struct SessionDescriptionBody: Decodable {
    var sdp: String
}

extension Request {
    /// Decodes the JSON body as `T`: 400 when it is empty, not JSON, lacks required fields or
    /// has a string containing U+0000 (``JSONNULCheck``); 413 when it exceeds the context's upload limit.
    mutating func decodeJSON<T: Decodable>(_ type: T.Type, context: some RequestContext) async throws -> T {
        let buffer = try await collectBody(upTo: context.maxUploadSize)
        guard !JSONNULCheck.containsNUL(buffer.readableBytesView) else { throw APIError.badRequest("U+0000 in a JSON string") }
        do {
            return try APIJSON.decoder.decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw APIError.badRequest("malformed JSON body: \(error)")
        }
    }
}
