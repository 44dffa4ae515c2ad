import Foundation

/// WSC room type (`RoomType`, spec §5.1). Raw values are the API spellings.
public enum RoomType: String, Sendable, CaseIterable, Codable {
    case group = "group"
    case oneToOne = "one_to_one"
    case temporary = "temporary"

    /// Parses the WSC enum spelling case-insensitively.
    public init?(caseInsensitive raw: String) {
        self.init(rawValue: raw.lowercased())
    }
}

/// Room membership (WSC "subscription"; API object `Member {userId, owner}`).
///
/// An owner is the meeting moderator of the room's meeting (spec §2.4).
public struct Member: Equatable, Hashable, Sendable {
    public var userId: UUID
    public var owner: Bool
    /// When the user became a member.
    public var joinedAt: Date

    public init(userId: UUID, owner: Bool, joinedAt: Date) {
        self.userId = userId
        self.owner = owner
        self.joinedAt = joinedAt
    }
}

/// A WSC room with its members (spec §1.3 "Room JSON").
public struct Room: Equatable, Sendable {
    public var id: UUID
    /// Absent for one-to-one rooms.
    public var name: String?
    public var description: String?
    public var type: RoomType
    /// The room's meeting, if one was created (one meeting per room).
    public var meetingId: UUID?
    public var createdAt: Date
    public var updatedAt: Date
    public var pictureUpdatedAt: Date?
    /// Members in insertion order; the creator comes first.
    public var members: [Member]

    public init(
        id: UUID, name: String?, description: String?, type: RoomType, meetingId: UUID? = nil,
        createdAt: Date, updatedAt: Date, pictureUpdatedAt: Date? = nil, members: [Member]
    ) {
        self.id = id
        self.name = name
        self.description = description
        self.type = type
        self.meetingId = meetingId
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.pictureUpdatedAt = pictureUpdatedAt
        self.members = members
    }

    /// The membership of `userId`, if any.
    public func member(_ userId: UUID) -> Member? {
        members.first { $0.userId == userId }
    }

    /// True when `userId` has a subscription in the room.
    public func isMember(_ userId: UUID) -> Bool { member(userId) != nil }

    /// True when `userId` is a member with `owner = true` (the meeting moderator).
    public func isOwner(_ userId: UUID) -> Bool { member(userId)?.owner == true }

    /// User ids of all members, in membership order.
    public var memberIds: [UUID] { members.map(\.userId) }

    /// User ids of all owners, in membership order.
    public var ownerIds: [UUID] { members.filter(\.owner).map(\.userId) }

    /// Throws ``MeetingError/notRoomMember`` (403) unless `userId` is a member.
    public func requireMember(_ userId: UUID) throws(MeetingError) {
        guard isMember(userId) else { throw .notRoomMember }
    }
}
