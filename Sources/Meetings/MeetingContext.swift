import Foundation

/// Everything the meeting state machine needs to decide one command: the room with its
/// members, the meeting with its participants, and the meeting's waiting queue.
///
/// Loaded from storage before a command and written back (diffed) after it.
public struct MeetingContext: Equatable, Sendable {
    public var room: Room
    public var meeting: Meeting
    /// Waiting-queue entries of a scheduled meeting, oldest first (spec §2.4).
    public var waitingList: [WaitingParticipant]

    public init(room: Room, meeting: Meeting, waitingList: [WaitingParticipant] = []) {
        self.room = room
        self.meeting = meeting
        self.waitingList = waitingList
    }

    /// The waiting entry of `userId`, if any.
    public func waitingEntry(_ userId: UUID) -> WaitingParticipant? {
        waitingList.first { $0.userId == userId }
    }

    /// Resolves recipients against this snapshot.
    public func addresses(for recipients: [Recipient]) -> DeliveryAddresses {
        DeliveryAddresses.resolve(recipients, room: room, meeting: meeting)
    }

    /// An event addressed against this snapshot.
    func event(_ event: MeetingEvent, to recipients: [Recipient]) -> AddressedEvent {
        AddressedEvent(event, to: recipients, room: room, meeting: meeting)
    }
}

/// The outcome of one accepted command: the new state, the events to push (in order), the media
/// plane effects to apply after the state is committed, and for `join` the status to return.
public struct MeetingTransition: Equatable, Sendable {
    public var context: MeetingContext
    public var events: [AddressedEvent]
    public var effects: [MediaEffect]
    public var joinStatus: JoinStatus?
    /// True when the meeting was deleted (its row must go; `context.room.meetingId` is nil).
    public var meetingDeleted: Bool

    public init(
        context: MeetingContext, events: [AddressedEvent] = [], effects: [MediaEffect] = [],
        joinStatus: JoinStatus? = nil, meetingDeleted: Bool = false
    ) {
        self.context = context
        self.events = events
        self.effects = effects
        self.joinStatus = joinStatus
        self.meetingDeleted = meetingDeleted
    }
}

/// A command on an existing meeting (spec §1.2 M5–M11, M10, and WebSocket close §4.1).
public enum MeetingCommand: Equatable, Sendable {
    /// `POST /meetings/{id}/start` (M5).
    case start(by: User)
    /// `POST /meetings/{id}/stop` (M6).
    case stop(by: User)
    /// `POST /meetings/{id}/join` with header `queue-id` (M7, decision tree §2.3).
    case join(by: User, queueId: UUID)
    /// `POST /meetings/{id}/leave` (M8).
    case leave(by: User)
    /// The WebSocket connection `queueId` closed (§4.1 "On close").
    case queueClosed(queueId: UUID)
    /// `PUT /meetings/{id}/media` (M11); the SDP offer itself goes to the media plane.
    case setMediaStream(by: User, type: MediaStreamType, enabled: Bool)
    /// `PUT /media/subscribe` and `PUT /media/answer` (M12, M13): only checks the caller participates.
    case requireParticipant(by: User)
    /// `POST /meetings/{id}/queue/{userId}` (M10, §2.4).
    case decideWaiting(by: User, userId: UUID, decision: WaitingDecision)
    /// `DELETE /meetings/{id}` (M4): non-guest room member.
    case delete(by: User)
    /// The scheduled meeting's `expiration` passed: stop and delete it (background job, no caller).
    case expire
    /// `PUT /meetings/{id}/audio` (M14): `target` is `userToModerate` (nil = the caller himself).
    case setAudio(by: User, enabled: Bool, target: UUID?)
    /// `PUT /meetings/{id}/hand` (M18): `target` is `userToModerate` (nil = the caller himself).
    case setHand(by: User, raised: Bool, target: UUID?)
    /// `POST /meetings/{id}/startRecording` (M16).
    case startRecording(by: User)
    /// `POST /meetings/{id}/stopRecording` (M17); name and folder are validated by the route.
    case stopRecording(by: User)
    /// The media plane lost the `type` publisher transport of `userId` (DTLS/ICE failure or
    /// the client closed it): the stream is off, as after `PUT /media {enabled:false}`.
    case publisherClosed(userId: UUID, type: MediaStreamType)
}
