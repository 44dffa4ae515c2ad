/// Why a meeting or room command was refused. Each case maps to the HTTP status the WSC API
/// returns for it (spec §1.1 "Generic error mapping"); error bodies are empty.
public enum MeetingError: Error, Equatable, Sendable {
    /// 400: a request field is missing, out of range or inconsistent; the reason is for logs/tests.
    case invalidRequest(String)
    /// 403: guest users may not do this (spec §5.5).
    case guestNotAllowed
    /// 403: the caller is not a member of the room.
    case notRoomMember
    /// 403: the caller is not an owner (moderator) of the room.
    case notRoomOwner
    /// 403: refused for another reason (e.g. deleting a one-to-one room); the reason is for logs/tests.
    case forbidden(String)
    /// 404: no such room.
    case roomNotFound
    /// 404: no such meeting.
    case meetingNotFound
    /// 404: the caller (or the targeted user) is not a participant of the meeting.
    case notParticipant
    /// 404: a referenced user is unknown to the user store.
    case userNotFound
    /// 404: the targeted user is not a member of the room.
    case notInRoom
    /// 404: the user has no entry in the meeting's waiting queue.
    case notInWaitingQueue
    /// 409: the user already participates from this same WebSocket queue.
    case alreadyParticipantFromSameQueue
    /// 409: the room already has a meeting.
    case roomAlreadyHasMeeting
    /// 409: a one-to-one room between these two users already exists.
    case oneToOneRoomExists
    /// 424: joining a meeting that has not been started (spec §8.6).
    case meetingNotStarted

    /// The HTTP status code of the WSC API for this error.
    public var httpStatus: Int {
        switch self {
        case .invalidRequest: return 400
        case .guestNotAllowed, .notRoomMember, .notRoomOwner, .forbidden: return 403
        case .roomNotFound, .meetingNotFound, .notParticipant, .userNotFound, .notInRoom, .notInWaitingQueue: return 404
        case .alreadyParticipantFromSameQueue, .roomAlreadyHasMeeting, .oneToOneRoomExists: return 409
        case .meetingNotStarted: return 424
        }
    }
}
