import Foundation

/// A room with its meeting (if any) and that meeting's waiting queue: what room commands need,
/// since some of them reach into the meeting (member removal, room deletion, renaming).
public struct RoomContext: Equatable, Sendable {
    public var room: Room
    public var meeting: Meeting?
    public var waitingList: [WaitingParticipant]

    public init(room: Room, meeting: Meeting? = nil, waitingList: [WaitingParticipant] = []) {
        self.room = room
        self.meeting = meeting
        self.waitingList = waitingList
    }

    /// The meeting part as a ``MeetingContext`` (nil without a meeting).
    public var meetingContext: MeetingContext? {
        meeting.map { MeetingContext(room: room, meeting: $0, waitingList: waitingList) }
    }

    /// Takes over room, meeting and waiting queue of a meeting transition.
    mutating func adopt(_ transition: MeetingTransition) {
        room = transition.context.room
        meeting = transition.meetingDeleted ? nil : transition.context.meeting
        waitingList = transition.meetingDeleted ? [] : transition.context.waitingList
    }
}

/// A command on an existing room (spec §1.3 rooms and members).
public enum RoomCommand: Equatable, Sendable {
    /// `PUT /rooms/{id}`: new name and/or description (at least one; validated here).
    case update(by: User, name: String?, description: String?)
    /// `DELETE /rooms/{id}`.
    case delete(by: User)
    /// `POST /rooms/{id}/members`; `knownUsers` = which requested ids the user store knows.
    case addMembers(by: User, members: [MemberRequest], knownUsers: Set<UUID>, maxGroupMembers: Int)
    /// `DELETE /rooms/{id}/members/{userId}` (also self-removal).
    case removeMember(by: User, userId: UUID)
    /// `PUT` (`owner == true`) / `DELETE` (`false`) `/rooms/{id}/members/{userId}/owner`.
    case setOwner(by: User, userId: UUID, owner: Bool)
    /// `PUT /rooms/{id}/members/owners`.
    case setOwners(by: User, changes: [MemberRequest])
}

/// The outcome of a room command: the new state, events in order and media effects for the
/// room's meeting (applied after commit).
public struct RoomChange: Equatable, Sendable {
    public var context: RoomContext
    /// The room is gone (its meeting too).
    public var roomDeleted: Bool
    /// The room's meeting is gone (`context.meeting` is nil).
    public var meetingDeleted: Bool
    public var events: [AddressedEvent]
    public var effects: [MediaEffect]

    public init(
        context: RoomContext, roomDeleted: Bool = false, meetingDeleted: Bool = false,
        events: [AddressedEvent] = [], effects: [MediaEffect] = []
    ) {
        self.context = context
        self.roomDeleted = roomDeleted
        self.meetingDeleted = meetingDeleted
        self.events = events
        self.effects = effects
    }
}

/// The pure rules of room commands (spec §1.3, §5.1, §5.2). Check order: 403 guest → 403 not
/// a member → 403 not an owner → 400 request/room type → 404 target → 400/403 state.
public enum RoomStateMachine {
    /// Applies `command` to `context` at `now`.
    /// - Throws: ``MeetingError`` with the WSC status of the refusal; nothing changes.
    public static func apply(_ command: RoomCommand, to context: RoomContext, now: Date) throws(MeetingError) -> RoomChange {
        switch command {
        case .update(let user, let name, let description):
            return try update(context, by: user, name: name, description: description, now: now)
        case .delete(let user):
            try requireOwner(context.room, user)
            guard context.room.type != .oneToOne else { throw .forbidden("one_to_one rooms cannot be deleted") }
            return deleteRoom(context, actor: user.id)
        case .addMembers(let user, let members, let known, let max):
            return try addMembers(context, by: user, members: members, knownUsers: known, maxGroupMembers: max, now: now)
        case .removeMember(let user, let userId):
            return try removeMember(context, by: user, userId: userId)
        case .setOwner(let user, let userId, let owner):
            return try setOwners(context, by: user, changes: [MemberRequest(userId: userId, owner: owner)])
        case .setOwners(let user, let changes):
            return try setOwners(context, by: user, changes: changes)
        }
    }

    /// Non-guest (403) member (403) owner (403).
    static func requireOwner(_ room: Room, _ user: User) throws(MeetingError) {
        guard !user.isGuest else { throw .guestNotAllowed }
        try room.requireMember(user.id)
        guard room.isOwner(user.id) else { throw .notRoomOwner }
    }

    static func event(_ event: MeetingEvent, to recipients: [Recipient], in context: RoomContext) -> AddressedEvent {
        AddressedEvent(event, to: recipients, room: context.room, meeting: context.meeting)
    }

    // MARK: - Update and delete

    static func update(
        _ context: RoomContext, by user: User, name: String?, description: String?, now: Date
    ) throws(MeetingError) -> RoomChange {
        try requireOwner(context.room, user)
        guard context.room.type != .oneToOne else { throw .invalidRequest("one_to_one rooms cannot be updated") }
        guard name != nil || description != nil else { throw .invalidRequest("neither name nor description given") }
        if let name, name.isEmpty || name.count > RoomRules.maxNameLength {
            throw .invalidRequest("name must be 1..\(RoomRules.maxNameLength) characters")
        }
        if let description, description.count > RoomRules.maxDescriptionLength {
            throw .invalidRequest("description longer than \(RoomRules.maxDescriptionLength)")
        }
        var next = context
        if let name {
            next.room.name = name
            next.meeting?.name = name  // the meeting follows the room name (spec §2.1)
        }
        if let description { next.room.description = description }
        next.room.updatedAt = now
        let updated = event(
            .roomUpdated(roomId: context.room.id, name: next.room.name, description: next.room.description),
            to: [.roomMembers], in: context)
        return RoomChange(context: next, events: [updated])
    }

    /// Deletes the room: its meeting first (stop + `MEETING_DELETED`), then `ROOM_DELETED` to the
    /// members.
    static func deleteRoom(_ context: RoomContext, actor: UUID) -> RoomChange {
        var change = RoomChange(context: context, roomDeleted: true)
        if let meeting = context.meetingContext {
            let transition = MeetingStateMachine.deleted(meeting, actor: actor)
            change.context.adopt(transition)
            change.events += transition.events
            change.effects += transition.effects
            change.meetingDeleted = true
        }
        change.events.append(event(.roomDeleted(roomId: context.room.id), to: [.roomMembers], in: context))
        return change
    }

    // MARK: - Members

    static func addMembers(
        _ context: RoomContext, by user: User, members: [MemberRequest], knownUsers: Set<UUID>,
        maxGroupMembers: Int, now: Date
    ) throws(MeetingError) -> RoomChange {
        let room = context.room
        try requireOwner(room, user)
        guard room.type != .oneToOne else { throw .invalidRequest("one_to_one rooms have fixed members") }
        guard !members.isEmpty else { throw .invalidRequest("no members given") }
        guard Set(members.map(\.userId)).count == members.count else { throw .invalidRequest("duplicate members") }
        guard !members.contains(where: { room.isMember($0.userId) }) else { throw .invalidRequest("already a member") }
        // WSC refuses when the group already has `maxGroupMembers` members (spec §8.31).
        if room.type == .group && room.members.count >= maxGroupMembers {
            throw .invalidRequest("group is full (\(maxGroupMembers) members)")
        }
        guard members.allSatisfy({ knownUsers.contains($0.userId) }) else { throw .userNotFound }
        var next = context
        next.room.members += members.map { Member(userId: $0.userId, owner: $0.owner, joinedAt: now) }
        next.room.updatedAt = now
        // Sent after the insertion, so the new members hear it too (spec §4.4).
        let events = members.map {
            event(.roomMemberAdded(roomId: room.id, userId: $0.userId, isOwner: $0.owner), to: [.roomMembers], in: next)
        }
        return RoomChange(context: next, events: events)
    }

    static func removeMember(_ context: RoomContext, by user: User, userId: UUID) throws(MeetingError) -> RoomChange {
        let room = context.room
        guard !user.isGuest else { throw .guestNotAllowed }
        try room.requireMember(user.id)
        guard userId == user.id || room.isOwner(user.id) else { throw .notRoomOwner }
        guard room.type != .oneToOne else { throw .invalidRequest("one_to_one rooms have fixed members") }
        guard let target = room.member(userId) else { throw .notInRoom }
        if target.owner && room.ownerIds.count == 1 && room.members.count > 1 {
            throw .invalidRequest("the last owner cannot leave while other members remain")
        }
        var change = RoomChange(context: context)
        // Out of the meeting first (may stop it), and out of its waiting queue.
        if let meeting = context.meetingContext {
            var transition = MeetingTransition(context: meeting)
            if meeting.meeting.isParticipant(userId) {
                transition = MeetingStateMachine.removeParticipant(meeting, userId: userId)
            }
            if let entry = transition.context.waitingEntry(userId) {
                transition.context.waitingList.removeAll { $0.userId == userId }
                transition.events.append(meeting.event(
                    .waitingParticipantRejected(meetingId: meeting.meeting.id, userId: userId),
                    to: [.roomOwners, .queue(entry.queueId)]))
            }
            change.context.adopt(transition)
            change.events += transition.events
            change.effects += transition.effects
        }
        // Members before the removal hear it, the removed user included.
        change.events.append(event(.roomMemberRemoved(roomId: room.id, userId: userId), to: [.roomMembers], in: context))
        change.context.room.members.removeAll { $0.userId == userId }
        if change.context.room.members.isEmpty {
            // The last member left: the room goes, with its meeting (spec §5.2).
            let deletion = deleteRoom(change.context, actor: user.id)
            change.context = deletion.context
            change.roomDeleted = true
            change.meetingDeleted = deletion.meetingDeleted
            change.events += deletion.events.filter { $0.event != .roomDeleted(roomId: room.id) }
            change.events.append(event(.roomDeleted(roomId: room.id), to: [.user(userId)], in: context))
            change.effects += deletion.effects
        }
        return change
    }

    /// Promotes/demotes members; unchanged entries are silent. 400 for the caller himself, a
    /// duplicate or a one-to-one room; 403 for a target that is not a member.
    static func setOwners(_ context: RoomContext, by user: User, changes: [MemberRequest]) throws(MeetingError) -> RoomChange {
        let room = context.room
        try requireOwner(room, user)
        guard room.type != .oneToOne else { throw .invalidRequest("one_to_one owners cannot change") }
        guard !changes.contains(where: { $0.userId == user.id }) else { throw .invalidRequest("cannot change one's own ownership") }
        guard Set(changes.map(\.userId)).count == changes.count else { throw .invalidRequest("duplicate members") }
        guard changes.allSatisfy({ room.isMember($0.userId) }) else { throw .forbidden("target is not a member") }
        var next = context
        var events: [AddressedEvent] = []
        for change in changes {
            guard let index = next.room.members.firstIndex(where: { $0.userId == change.userId }),
                  next.room.members[index].owner != change.owner
            else { continue }
            next.room.members[index].owner = change.owner
            let roomEvent: MeetingEvent = change.owner
                ? .roomOwnerPromoted(roomId: room.id, userId: change.userId)
                : .roomOwnerDemoted(roomId: room.id, userId: change.userId)
            events.append(event(roomEvent, to: [.roomMembers], in: context))
        }
        return RoomChange(context: next, events: events)
    }
}
