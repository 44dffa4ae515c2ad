import Foundation

/// WSC meeting type (spec §2.1): `permanent` meetings admit room members directly, `scheduled`
/// meetings put non-owners in a waiting queue (spec §2.3).
public enum MeetingType: String, Sendable, CaseIterable, Codable {
    case permanent = "permanent"
    case scheduled = "scheduled"

    /// Parses the WSC enum spelling case-insensitively.
    public init?(caseInsensitive raw: String) {
        self.init(rawValue: raw.lowercased())
    }
}

/// A meeting of a room (WSC `Meeting`, spec §1.2 "Meeting JSON", lifecycle §2.1).
public struct Meeting: Equatable, Sendable {
    public var id: UUID
    public var roomId: UUID
    public var name: String?
    public var meetingType: MeetingType
    /// True between start and stop.
    public var active: Bool
    public var createdAt: Date
    /// Set only while active; reset by every start.
    public var startedAt: Date?
    /// Scheduled meetings only: when the meeting is no longer needed (stored, not yet enforced).
    public var expiration: Date?
    /// Participants in join order.
    public var participants: [Participant]
    /// The recording in progress (status STARTED), if any (spec §2.6).
    public var recording: MeetingRecording?

    public init(
        id: UUID, roomId: UUID, name: String?, meetingType: MeetingType, active: Bool = false,
        createdAt: Date, startedAt: Date? = nil, expiration: Date? = nil, participants: [Participant] = [],
        recording: MeetingRecording? = nil
    ) {
        self.id = id
        self.roomId = roomId
        self.name = name
        self.meetingType = meetingType
        self.active = active
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.expiration = expiration
        self.participants = participants
        self.recording = recording
    }

    /// The participant row of `userId`, if any.
    public func participant(_ userId: UUID) -> Participant? {
        participants.first { $0.userId == userId }
    }

    /// True when `userId` is a participant.
    public func isParticipant(_ userId: UUID) -> Bool { participant(userId) != nil }

    /// Distinct participant user ids in join order.
    public var participantIds: [UUID] { participants.map(\.userId) }

    /// User ids of raised hands, oldest raise first; equal times keep join order
    /// (`MEETING_PARTICIPANT_HAND_RAISED_LIST`, spec §2.5).
    public var raisedHands: [UUID] {
        participants.enumerated()
            .compactMap { index, p in p.handRaisedAt.map { (index, $0, p.userId) } }
            .sorted { ($0.1, $0.0) < ($1.1, $1.0) }
            .map(\.2)
    }
}

/// A meeting recording in status STARTED (spec §2.6, table `RECORDING`): who started it and when.
/// The recorded media itself is produced by the media plane (a later issue).
public struct MeetingRecording: Equatable, Hashable, Sendable {
    public var starterId: UUID
    public var startedAt: Date

    public init(starterId: UUID, startedAt: Date) {
        self.starterId = starterId
        self.startedAt = startedAt
    }
}

/// Status of a waiting-queue entry of a scheduled meeting (spec §2.4). Raw values are the
/// API / storage spellings.
public enum WaitingStatus: String, Sendable, CaseIterable, Codable {
    case waiting = "WAITING"
    case accepted = "ACCEPTED"
}

/// An entry in a scheduled meeting's waiting queue (spec §2.4, table `WAITING_PARTICIPANT`).
/// At most one entry per (meeting, user).
public struct WaitingParticipant: Equatable, Hashable, Sendable {
    public var userId: UUID
    /// The WebSocket queue of the waiting client (notified on accept/reject/clash).
    public var queueId: UUID
    public var status: WaitingStatus

    public init(userId: UUID, queueId: UUID, status: WaitingStatus) {
        self.userId = userId
        self.queueId = queueId
        self.status = status
    }
}

/// Result of `POST /meetings/{id}/join` (`{"status":"ACCEPTED"|"WAITING"}`).
public enum JoinStatus: String, Sendable, Equatable, Codable {
    case accepted = "ACCEPTED"
    case waiting = "WAITING"
}

/// A moderator's (or the waiting user's own) decision on a waiting-queue entry
/// (`POST /meetings/{id}/queue/{userId}` body `status`, spec §2.4).
public enum WaitingDecision: String, Sendable, Equatable, CaseIterable, Codable {
    case accepted = "ACCEPTED"
    case rejected = "REJECTED"

    /// Parses the WSC enum spelling case-insensitively.
    public init?(caseInsensitive raw: String) {
        self.init(rawValue: raw.uppercased())
    }
}
