import Foundation
import Meetings

/// JSON wire form of events (spec §4.2): an object with `type` (1.6.0 UPPER_SNAKE name),
/// `sentDate` (ISO-8601, UTC) and the event's fields; UUIDs lowercase, `mediaType` uppercase,
/// `SubscribedStream.type` lowercase, absent optionals omitted.
public enum EventEncoding {
    /// The JSON text of `event` sent at `sentDate`.
    public static func json(_ event: MeetingEvent, sentDate: Date) -> String {
        var object = EventObject(type: event.type, sentDate: sentDate)
        switch event {
        case .roomCreated(let roomId):
            object["roomId"] = .id(roomId)
        case .roomMemberAdded(let roomId, let userId, let isOwner):
            object["roomId"] = .id(roomId); object["userId"] = .id(userId); object["isOwner"] = .bool(isOwner)
        case .meetingCreated(let meetingId, let roomId):
            object["meetingId"] = .id(meetingId); object["roomId"] = .id(roomId)
        case .meetingStarted(let meetingId, let starterUser, let startedAt):
            object["meetingId"] = .id(meetingId); object["starterUser"] = .id(starterUser); object["startedAt"] = .date(startedAt)
        case .meetingStopped(let meetingId), .meetingDeleted(let meetingId), .participantClashed(let meetingId),
             .waitingParticipantClashed(let meetingId):
            object["meetingId"] = .id(meetingId)
        case .participantJoined(let meetingId, let userId), .participantLeft(let meetingId, let userId),
             .waitingParticipantJoined(let meetingId, let userId), .waitingParticipantAccepted(let meetingId, let userId),
             .waitingParticipantRejected(let meetingId, let userId):
            object["meetingId"] = .id(meetingId); object["userId"] = .id(userId)
        case .mediaStreamChanged(let meetingId, let userId, let mediaType, let active):
            object["meetingId"] = .id(meetingId); object["userId"] = .id(userId)
            object["mediaType"] = .string(mediaType.eventName); object["active"] = .bool(active)
        case .sdpAnswered(let meetingId, let userId, let mediaType, let sdp),
             .sdpOffered(let meetingId, let userId, let mediaType, let sdp):
            object["meetingId"] = .id(meetingId); object["userId"] = .id(userId)
            object["mediaType"] = .string(mediaType.eventName); object["sdp"] = .string(sdp)
        case .participantSubscribed(let meetingId, let userId, let streams):
            object["meetingId"] = .id(meetingId); object["userId"] = .id(userId)
            object["streams"] = .streams(streams)
        }
        return object.encoded()
    }

    /// `{"type":"websocketConnected","queueId":…,"sentDate":…}`, the first message on a connection.
    public static func websocketConnected(queueId: UUID, sentDate: Date) -> String {
        var object = EventObject(type: "websocketConnected", sentDate: sentDate)
        object["queueId"] = .id(queueId)
        return object.encoded()
    }

    /// The reply to a client `{"type":"ping"}`.
    public static let pong = #"{"type":"pong"}"#

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
        case string(String), id(UUID), bool(Bool), date(Date), streams([SubscribedStream])

        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .string(let s): try container.encode(s)
            case .id(let id): try container.encode(id.apiString)
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
