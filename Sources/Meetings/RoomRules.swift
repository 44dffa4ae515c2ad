import Foundation

/// A requested member in `POST /rooms` (`RoomCreationFields.members[]`, spec §1.3).
public struct MemberRequest: Equatable, Sendable {
    public var userId: UUID
    public var owner: Bool

    public init(userId: UUID, owner: Bool = false) {
        self.userId = userId
        self.owner = owner
    }
}

/// The fields of `POST /rooms` (`RoomCreationFields`, spec §1.3, seed "RoomCreationFields").
public struct RoomCreation: Equatable, Sendable {
    public var type: RoomType
    public var name: String?
    public var description: String?
    public var members: [MemberRequest]

    public init(type: RoomType, name: String?, description: String?, members: [MemberRequest]) {
        self.type = type
        self.name = name
        self.description = description
        self.members = members
    }
}

/// The result of creating a room or a meeting: the new state and its events.
public struct RoomTransition: Equatable, Sendable {
    public var room: Room
    /// Set when a meeting was created.
    public var meeting: Meeting?
    public var events: [AddressedEvent]

    public init(room: Room, meeting: Meeting? = nil, events: [AddressedEvent]) {
        self.room = room
        self.meeting = meeting
        self.events = events
    }
}

/// Pure rules for rooms and meeting creation (spec §1.3 `POST /rooms`, §1.2 M2, §5.1).
public enum RoomRules {
    /// Default `maxGroupMembers` capability (spec §5.4).
    public static let defaultMaxGroupMembers = 128
    /// Name length limits of the seed (`name` 1..128, `description` 0..256 characters).
    public static let maxNameLength = 128
    public static let maxDescriptionLength = 256

    /// Validates and builds a new room (spec §1.3, §5.1). The creator comes first, as owner;
    /// in a one-to-one room both members are owners.
    ///
    /// - Parameters:
    ///   - knownUsers: ids present in the user store; other requested members give 404.
    ///   - oneToOneExists: whether a one-to-one room between the two users already exists (409).
    /// - Throws: 403 guest; 400 invalid fields (name/description rules, duplicates, the creator
    ///   listed, member counts); 404 unknown member; 409 duplicate one-to-one.
    public static func createRoom(
        _ fields: RoomCreation, by user: User, id: UUID, now: Date, knownUsers: Set<UUID>,
        oneToOneExists: Bool = false, maxGroupMembers: Int = defaultMaxGroupMembers
    ) throws(MeetingError) -> RoomTransition {
        guard !user.isGuest else { throw .guestNotAllowed }
        let others = fields.members
        guard Set(others.map(\.userId)).count == others.count else { throw .invalidRequest("duplicate members") }
        guard !others.contains(where: { $0.userId == user.id }) else {
            throw .invalidRequest("the requester is listed among the members")
        }
        if let description = fields.description, description.count > maxDescriptionLength {
            throw .invalidRequest("description longer than \(maxDescriptionLength)")
        }
        switch fields.type {
        case .oneToOne:
            guard fields.name == nil && fields.description == nil else {
                throw .invalidRequest("one_to_one rooms have no name or description")
            }
            guard others.count == 1 else { throw .invalidRequest("one_to_one rooms need exactly one other member") }
        case .group, .temporary:
            guard let name = fields.name, !name.isEmpty, name.count <= maxNameLength else {
                throw .invalidRequest("name must be 1..\(maxNameLength) characters")
            }
            if fields.type == .group {
                guard others.count >= 2, others.count <= maxGroupMembers else {
                    throw .invalidRequest("group rooms need 2..\(maxGroupMembers) other members")
                }
            }
        }
        guard others.allSatisfy({ knownUsers.contains($0.userId) }) else { throw .userNotFound }
        if fields.type == .oneToOne && oneToOneExists { throw .oneToOneRoomExists }

        let ownerFlag = { (request: MemberRequest) in fields.type == .oneToOne ? true : request.owner }
        let members = [Member(userId: user.id, owner: true, joinedAt: now)]
            + others.map { Member(userId: $0.userId, owner: ownerFlag($0), joinedAt: now) }
        let room = Room(
            id: id, name: fields.name, description: fields.description, type: fields.type,
            createdAt: now, updatedAt: now, members: members)
        return RoomTransition(room: room, events: [AddressedEvent(.roomCreated(roomId: id), to: [.roomMembers], room: room, meeting: nil)])
    }

    /// Creates the room's meeting (M2): non-guest member only, one meeting per room.
    /// - Throws: 403 guest or not member; 409 the room already has a meeting; 400 bad name.
    public static func createMeeting(
        in room: Room, by user: User, name: String, type: MeetingType, expiration: Date?, id: UUID, now: Date
    ) throws(MeetingError) -> RoomTransition {
        guard !user.isGuest else { throw .guestNotAllowed }
        guard name.count <= maxNameLength else { throw .invalidRequest("name longer than \(maxNameLength)") }
        try room.requireMember(user.id)
        guard room.meetingId == nil else { throw .roomAlreadyHasMeeting }
        var next = room
        next.meetingId = id
        let meeting = Meeting(
            id: id, roomId: room.id, name: name, meetingType: type, createdAt: now,
            expiration: type == .scheduled ? expiration : nil)
        let created = AddressedEvent(.meetingCreated(meetingId: id, roomId: room.id), to: [.roomMembers], room: room, meeting: meeting)
        return RoomTransition(room: next, meeting: meeting, events: [created])
    }

    /// Read access to a room or its meeting (`GET /rooms/{id}`, `GET /meetings/{id}`): members only.
    public static func requireReadAccess(to room: Room, by user: User) throws(MeetingError) {
        try room.requireMember(user.id)
    }

    /// `PUT` (`muted`) / `DELETE /rooms/{id}/mute`: non-guest member (403); the event goes to the
    /// caller only (spec §4.4). The setting itself is per user and kept by storage.
    public static func mute(_ room: Room, by user: User, muted: Bool) throws(MeetingError) -> AddressedEvent {
        guard !user.isGuest else { throw .guestNotAllowed }
        try room.requireMember(user.id)
        let event: MeetingEvent = muted ? .roomMuted(roomId: room.id) : .roomUnmuted(roomId: room.id)
        return AddressedEvent(event, to: [.user(user.id)], room: room, meeting: nil)
    }

    /// `PUT /rooms/{id}/clear`: non-guest member (403); `ROOM_HISTORY_CLEARED {clearedAt: now}`
    /// to the caller only.
    public static func clearHistory(_ room: Room, by user: User, now: Date) throws(MeetingError) -> AddressedEvent {
        guard !user.isGuest else { throw .guestNotAllowed }
        try room.requireMember(user.id)
        return AddressedEvent(.roomHistoryCleared(roomId: room.id, clearedAt: now), to: [.user(user.id)], room: room, meeting: nil)
    }
}
