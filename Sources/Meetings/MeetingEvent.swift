import Foundation

/// A domain event pushed to WebSocket clients (spec §4.3 meeting events, §4.4 room events).
///
/// The wire envelope (`type`, `sentDate`, fields) is produced by the server; ``type`` gives the
/// 1.6.0 UPPER_SNAKE name. `mediaType` fields serialise as ``MediaStreamType/eventName``.
public enum MeetingEvent: Equatable, Sendable {
    // Room events (spec §4.4).
    case roomCreated(roomId: UUID)
    /// `name` / `description` as they are after the update (absent when nil).
    case roomUpdated(roomId: UUID, name: String?, description: String?)
    case roomDeleted(roomId: UUID)
    case roomMemberAdded(roomId: UUID, userId: UUID, isOwner: Bool)
    case roomMemberRemoved(roomId: UUID, userId: UUID)
    case roomOwnerPromoted(roomId: UUID, userId: UUID)
    case roomOwnerDemoted(roomId: UUID, userId: UUID)
    /// Per-user settings events: only the acting user is told.
    case roomMuted(roomId: UUID)
    case roomUnmuted(roomId: UUID)
    case roomHistoryCleared(roomId: UUID, clearedAt: Date)

    // Meeting events (spec §4.3).
    case meetingCreated(meetingId: UUID, roomId: UUID)
    case meetingStarted(meetingId: UUID, starterUser: UUID, startedAt: Date)
    case meetingStopped(meetingId: UUID)
    case meetingDeleted(meetingId: UUID)
    case participantJoined(meetingId: UUID, userId: UUID)
    case participantLeft(meetingId: UUID, userId: UUID)
    /// Sent only to the old queue of a user who joined again from another queue.
    case participantClashed(meetingId: UUID)
    case mediaStreamChanged(meetingId: UUID, userId: UUID, mediaType: MediaStreamType, active: Bool)
    /// `moderatorId` is set when an owner muted `userId` (`userToModerate`, spec §2.5).
    case audioStreamChanged(meetingId: UUID, userId: UUID, active: Bool, moderatorId: UUID?)
    /// The server's SDP answer to the user's audio offer (`PUT /audio/offer`, spec §3.5).
    case audioAnswered(meetingId: UUID, userId: UUID, sdp: String)
    /// The server's SDP answer to a publisher offer (video or screen PeerConnection).
    case sdpAnswered(meetingId: UUID, userId: UUID, mediaType: MediaStreamType, sdp: String)
    /// The server's SDP offer for the subscriber PeerConnection (`mediaType` is always video).
    case sdpOffered(meetingId: UUID, userId: UUID, mediaType: MediaStreamType, sdp: String)
    /// The streams now carried by the subscriber PeerConnection of `userId`.
    case participantSubscribed(meetingId: UUID, userId: UUID, streams: [SubscribedStream])
    /// Talking detection of the audio mixer (spec §3.5).
    case participantTalking(meetingId: UUID, userId: UUID, isTalking: Bool)
    case waitingParticipantJoined(meetingId: UUID, userId: UUID)
    /// Sent only to the old queue of a waiting user who joined again from another queue.
    case waitingParticipantClashed(meetingId: UUID)
    case waitingParticipantAccepted(meetingId: UUID, userId: UUID)
    case waitingParticipantRejected(meetingId: UUID, userId: UUID)
    /// `userId` is the starter.
    case recordingStarted(meetingId: UUID, userId: UUID)
    /// `userId` is whoever stopped it (explicitly or by stopping/leaving the meeting).
    case recordingStopped(meetingId: UUID, userId: UUID)
    /// `handRaisedAt` only when raised; `moderatorId` only when an owner lowered `userId`'s hand.
    case handRaised(meetingId: UUID, userId: UUID, raised: Bool, handRaisedAt: Date?, moderatorId: UUID?)
    /// Raised hands after a change, oldest first.
    case handRaisedList(meetingId: UUID, participants: [UUID])

    /// The WSC 1.6.0 event type name (UPPER_SNAKE).
    public var type: String {
        switch self {
        case .roomCreated: return "ROOM_CREATED"
        case .roomUpdated: return "ROOM_UPDATED"
        case .roomDeleted: return "ROOM_DELETED"
        case .roomMemberAdded: return "ROOM_MEMBER_ADDED"
        case .roomMemberRemoved: return "ROOM_MEMBER_REMOVED"
        case .roomOwnerPromoted: return "ROOM_OWNER_PROMOTED"
        case .roomOwnerDemoted: return "ROOM_OWNER_DEMOTED"
        case .roomMuted: return "ROOM_MUTED"
        case .roomUnmuted: return "ROOM_UNMUTED"
        case .roomHistoryCleared: return "ROOM_HISTORY_CLEARED"
        case .meetingCreated: return "MEETING_CREATED"
        case .meetingStarted: return "MEETING_STARTED"
        case .meetingStopped: return "MEETING_STOPPED"
        case .meetingDeleted: return "MEETING_DELETED"
        case .participantJoined: return "MEETING_PARTICIPANT_JOINED"
        case .participantLeft: return "MEETING_PARTICIPANT_LEFT"
        case .participantClashed: return "MEETING_PARTICIPANT_CLASHED"
        case .mediaStreamChanged: return "MEETING_MEDIA_STREAM_CHANGED"
        case .audioStreamChanged: return "MEETING_AUDIO_STREAM_CHANGED"
        case .audioAnswered: return "MEETING_AUDIO_ANSWERED"
        case .sdpAnswered: return "MEETING_SDP_ANSWERED"
        case .sdpOffered: return "MEETING_SDP_OFFERED"
        case .participantSubscribed: return "MEETING_PARTICIPANT_SUBSCRIBED"
        case .participantTalking: return "MEETING_PARTICIPANT_TALKING"
        case .waitingParticipantJoined: return "MEETING_WAITING_PARTICIPANT_JOINED"
        case .waitingParticipantClashed: return "MEETING_WAITING_PARTICIPANT_CLASHED"
        case .waitingParticipantAccepted: return "MEETING_WAITING_PARTICIPANT_ACCEPTED"
        case .waitingParticipantRejected: return "MEETING_WAITING_PARTICIPANT_REJECTED"
        case .recordingStarted: return "MEETING_RECORDING_STARTED"
        case .recordingStopped: return "MEETING_RECORDING_STOPPED"
        case .handRaised: return "MEETING_PARTICIPANT_HAND_RAISED"
        case .handRaisedList: return "MEETING_PARTICIPANT_HAND_RAISED_LIST"
        }
    }
}

/// Who an event is for, as the spec names it (§4.3 "recipients").
public enum Recipient: Hashable, Sendable {
    /// Every member of the room (all of each member's connections).
    case roomMembers
    /// Every owner (moderator) of the room.
    case roomOwners
    /// Every participant of the meeting, from the snapshot taken before the command (spec §2.5).
    case participants
    /// Every open connection of one user.
    case user(UUID)
    /// One WebSocket connection only.
    case queue(UUID)
}

/// Concrete delivery targets: users (all their connections) and single connections (queues).
public struct DeliveryAddresses: Equatable, Sendable {
    public var users: Set<UUID>
    public var queues: Set<UUID>

    public init(users: Set<UUID> = [], queues: Set<UUID> = []) {
        self.users = users
        self.queues = queues
    }

    /// True when nobody is addressed.
    public var isEmpty: Bool { users.isEmpty && queues.isEmpty }

    /// Resolves symbolic recipients against a room and, when given, a meeting snapshot.
    /// `.participants` resolves to nobody without a meeting.
    public static func resolve(_ recipients: [Recipient], room: Room, meeting: Meeting?) -> DeliveryAddresses {
        var addresses = DeliveryAddresses()
        for recipient in recipients {
            switch recipient {
            case .roomMembers: addresses.users.formUnion(room.memberIds)
            case .roomOwners: addresses.users.formUnion(room.ownerIds)
            case .participants: addresses.users.formUnion(meeting?.participantIds ?? [])
            case .user(let id): addresses.users.insert(id)
            case .queue(let id): addresses.queues.insert(id)
            }
        }
        return addresses
    }
}

/// An event with its symbolic recipients and the concrete addresses they resolved to when the
/// event was emitted (room members after the change for member additions; participants from
/// the snapshot before the command, spec §2.5).
public struct AddressedEvent: Equatable, Sendable {
    public var event: MeetingEvent
    public var recipients: [Recipient]
    public var addresses: DeliveryAddresses

    public init(event: MeetingEvent, recipients: [Recipient], addresses: DeliveryAddresses) {
        self.event = event
        self.recipients = recipients
        self.addresses = addresses
    }

    /// Builds an event addressed to `recipients`, resolved against `room` and `meeting`.
    public init(_ event: MeetingEvent, to recipients: [Recipient], room: Room, meeting: Meeting?) {
        self.init(
            event: event, recipients: recipients,
            addresses: DeliveryAddresses.resolve(recipients, room: room, meeting: meeting))
    }
}

/// Something the media plane (SFU) must do once a transition is committed.
public enum MediaEffect: Equatable, Sendable {
    /// Tear down all PeerConnections of `userId` in the meeting (leave, clash, WebSocket close).
    case removeParticipant(userId: UUID)
    /// Stop forwarding the `type` stream of `userId` (stream disabled).
    case unpublish(userId: UUID, type: MediaStreamType)
    /// Mute (`enabled == false`) or unmute `userId` in the meeting's audio mixer (spec §2.5).
    case setAudioEnabled(userId: UUID, enabled: Bool)
    /// Tear down the whole meeting (stop, delete).
    case closeMeeting
}
