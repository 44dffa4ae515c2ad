import Foundation
import Meetings

/// How event `type` names are spelled on one WebSocket connection (spec §9 versioning): WSC
/// 1.6.0 names (`MEETING_PARTICIPANT_JOINED`, `websocketConnected`, `pong`) for clients that ask
/// for no sub-protocol or one older than 1.6.2, PascalCase (`MeetingParticipantJoined`,
/// `WebsocketConnected`, `Pong`) for 1.6.2 and later.
public enum EventNaming: Sendable, Equatable, CaseIterable {
    case v160
    case pascalCase

    /// `name` (a 1.6.0 name) in this naming.
    public func spell(_ name: String) -> String {
        switch self {
        case .v160: return name
        case .pascalCase: return EventEncoding.pascalCase(name)
        }
    }
}

/// JSON wire form of events (spec §4.2): an object with `type` (1.6.0 UPPER_SNAKE name, or
/// PascalCase for ≥ 1.6.2 clients), `sentDate` (ISO-8601, UTC) and the event's fields; UUIDs
/// lowercase, `mediaType` uppercase, `SubscribedStream.type` lowercase, absent optionals omitted.
public enum EventEncoding {
    /// The JSON text of `event` sent at `sentDate`.
    public static func json(_ event: MeetingEvent, sentDate: Date, naming: EventNaming = .v160) -> String {
        var object = EventObject(type: naming.spell(event.type), sentDate: sentDate)
        switch event {
        case .roomCreated(let roomId), .roomDeleted(let roomId), .roomMuted(let roomId), .roomUnmuted(let roomId):
            object["roomId"] = .id(roomId)
        case .roomUpdated(let roomId, let name, let description):
            object["roomId"] = .id(roomId); object["name"] = name.map { .string($0) }
            object["description"] = description.map { .string($0) }
        case .roomMemberAdded(let roomId, let userId, let isOwner):
            object["roomId"] = .id(roomId); object["userId"] = .id(userId); object["isOwner"] = .bool(isOwner)
        case .roomMemberRemoved(let roomId, let userId), .roomOwnerPromoted(let roomId, let userId),
             .roomOwnerDemoted(let roomId, let userId):
            object["roomId"] = .id(roomId); object["userId"] = .id(userId)
        case .roomHistoryCleared(let roomId, let clearedAt):
            object["roomId"] = .id(roomId); object["clearedAt"] = .date(clearedAt)
        case .meetingCreated(let meetingId, let roomId):
            object["meetingId"] = .id(meetingId); object["roomId"] = .id(roomId)
        case .meetingStarted(let meetingId, let starterUser, let startedAt):
            object["meetingId"] = .id(meetingId); object["starterUser"] = .id(starterUser); object["startedAt"] = .date(startedAt)
        case .meetingStopped(let meetingId), .meetingDeleted(let meetingId), .participantClashed(let meetingId),
             .waitingParticipantClashed(let meetingId):
            object["meetingId"] = .id(meetingId)
        case .participantJoined(let meetingId, let userId), .participantLeft(let meetingId, let userId),
             .waitingParticipantJoined(let meetingId, let userId), .waitingParticipantAccepted(let meetingId, let userId),
             .waitingParticipantRejected(let meetingId, let userId), .recordingStarted(let meetingId, let userId),
             .recordingStopped(let meetingId, let userId):
            object["meetingId"] = .id(meetingId); object["userId"] = .id(userId)
        case .mediaStreamChanged(let meetingId, let userId, let mediaType, let active):
            object["meetingId"] = .id(meetingId); object["userId"] = .id(userId)
            object["mediaType"] = .string(mediaType.eventName); object["active"] = .bool(active)
        case .audioStreamChanged(let meetingId, let userId, let active, let moderatorId):
            object["meetingId"] = .id(meetingId); object["userId"] = .id(userId); object["active"] = .bool(active)
            object["moderatorId"] = moderatorId.map { .id($0) }
        case .audioAnswered(let meetingId, let userId, let sdp):
            object["meetingId"] = .id(meetingId); object["userId"] = .id(userId); object["sdp"] = .string(sdp)
        case .sdpAnswered(let meetingId, let userId, let mediaType, let sdp),
             .sdpOffered(let meetingId, let userId, let mediaType, let sdp):
            object["meetingId"] = .id(meetingId); object["userId"] = .id(userId)
            object["mediaType"] = .string(mediaType.eventName); object["sdp"] = .string(sdp)
        case .participantSubscribed(let meetingId, let userId, let streams):
            object["meetingId"] = .id(meetingId); object["userId"] = .id(userId)
            object["streams"] = .streams(streams)
        case .participantTalking(let meetingId, let userId, let isTalking):
            object["meetingId"] = .id(meetingId); object["userId"] = .id(userId); object["isTalking"] = .bool(isTalking)
        case .handRaised(let meetingId, let userId, let raised, let handRaisedAt, let moderatorId):
            object["meetingId"] = .id(meetingId); object["userId"] = .id(userId); object["raised"] = .bool(raised)
            object["handRaisedAt"] = handRaisedAt.map { .date($0) }
            object["moderatorId"] = moderatorId.map { .id($0) }
        case .handRaisedList(let meetingId, let participants):
            object["meetingId"] = .id(meetingId); object["participants"] = .ids(participants)
        }
        return object.encoded()
    }

    /// `{"type":"websocketConnected","sentDate":…,"queueId":…}`, the first message on a connection.
    public static func websocketConnected(queueId: UUID, sentDate: Date, naming: EventNaming = .v160) -> String {
        var object = EventObject(type: naming.spell("websocketConnected"), sentDate: sentDate)
        object["queueId"] = .id(queueId)
        return object.encoded()
    }

    /// The reply to a client `{"type":"ping"}` (1.6.0 naming).
    public static let pong = #"{"type":"pong"}"#

    /// The reply to a client ping in `naming`.
    public static func pong(_ naming: EventNaming) -> String {
        naming == .v160 ? pong : #"{"type":"Pong"}"#
    }

    /// `MEETING_PARTICIPANT_JOINED` → `MeetingParticipantJoined`, `websocketConnected` →
    /// `WebsocketConnected`, `pong` → `Pong` (CE 1.6.2 names).
    public static func pascalCase(_ name: String) -> String {
        guard name.contains("_") || name == name.uppercased() else {
            return name.prefix(1).uppercased() + name.dropFirst()
        }
        return name.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst().lowercased() }.joined()
    }

    /// True for a client keep-alive message: a JSON object whose `type` is "ping" (any case).
    public static func isPing(_ text: String) -> Bool {
        guard let data = text.data(using: .utf8),
              let message = try? JSONDecoder().decode(ClientMessage.self, from: data)
        else { return false }
        return message.type.lowercased() == "ping"
    }

    private struct ClientMessage: Decodable { var type: String }
}

/// A flat JSON object with typed values, encoded in insertion order.
struct EventObject: Encodable {
    enum Value: Encodable {
        case string(String), id(UUID), ids([UUID]), bool(Bool), date(Date), streams([SubscribedStream])

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .string(let s): try container.encode(s)
            case .id(let id): try container.encode(id.apiString)
            case .ids(let ids): try container.encode(ids.map(\.apiString))
            case .bool(let b): try container.encode(b)
            case .date(let d): try container.encode(APIDate.string(d))
            case .streams(let streams):
                try container.encode(streams.map {
                    SubscribedStreamBody(type: $0.type.rawValue, userId: $0.userId.apiString, mid: $0.mid)
                })
            }
        }
    }

    private struct SubscribedStreamBody: Encodable { var type: String; var userId: String; var mid: String }
    private struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    private var fields: [(String, Value)] = []

    init(type: String, sentDate: Date) {
        fields = [("type", .string(type)), ("sentDate", .date(sentDate))]
    }

    subscript(key: String) -> Value? {
        get { fields.first { $0.0 == key }?.1 }
        set {
            fields.removeAll { $0.0 == key }
            if let newValue { fields.append((key, newValue)) }
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        for (key, value) in fields { try container.encode(value, forKey: Key(stringValue: key)) }
    }

    func encoded() -> String {
        // Encoding strings, bools and arrays of them cannot fail.
        guard let data = try? APIJSON.encoder.encode(self), let text = String(data: data, encoding: .utf8) else { return "{}" }
        return text
    }
}
