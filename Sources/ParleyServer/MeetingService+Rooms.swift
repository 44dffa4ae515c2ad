import Foundation
import Logging
import Meetings
import Storage

/// A room as one user sees it: the room and, when asked for, that user's settings in it.
public struct RoomView: Sendable, Equatable {
    public var room: Room
    public var settings: RoomUserSettings
}

/// A member added by `POST /rooms/{id}/members` and, when its history was cleared, when.
public struct AddedMember: Sendable, Equatable {
    public var member: Member
    public var clearedAt: Date?
}

/// Room and member operations (spec §1.3): load, let ``RoomStateMachine`` / ``RoomRules``
/// decide, commit in one transaction, then apply media effects and push the events.
extension MeetingService {
    /// `GET /rooms`: every room of the caller, oldest first, with the caller's settings.
    public func rooms(of user: User) async throws -> [RoomView] {
        try await store.read { session in
            var views: [RoomView] = []
            for room in try await session.rooms(ofMember: user.id) {
                views.append(RoomView(room: room, settings: try await session.roomSettings(userId: user.id, roomId: room.id)))
            }
            return views
        }
    }

    /// `GET /rooms/{id}` with the caller's settings: members only.
    public func roomView(id: UUID, by user: User) async throws -> RoomView {
        try await store.read { session in
            guard let room = try await session.room(id: id) else { throw MeetingError.roomNotFound }
            try RoomRules.requireReadAccess(to: room, by: user)
            return RoomView(room: room, settings: try await session.roomSettings(userId: user.id, roomId: id))
        }
    }

    /// Runs a room command on room `roomId`: decide, commit, then media effects and events.
    /// - Throws: ``MeetingError`` (404 unknown room, or the command's refusal).
    @discardableResult
    public func run(_ command: RoomCommand, roomId: UUID) async throws -> RoomChange {
        let now = clock()
        let (change, _) = try await store.transaction { session in
            guard let context = try await session.roomContext(roomId: roomId) else { throw MeetingError.roomNotFound }
            let change = try RoomStateMachine.apply(command, to: context, now: now)
            try await session.save(change, replacing: context)
            return (change, context.meeting?.id)
        } afterCommit: { (result: (RoomChange, UUID?)) in
            if let meetingId = result.1 { await self.apply(result.0.effects, meetingId: meetingId) }
            self.hub.deliver(result.0.events, sentDate: now)
        }
        return change
    }

    /// `PUT /rooms/{id}`: returns the updated room.
    public func updateRoom(id: UUID, by user: User, name: String?, description: String?) async throws -> Room {
        try await run(.update(by: user, name: name, description: description), roomId: id).context.room
    }

    /// `POST /rooms/{id}/members`: adds the members (one transaction), clears the history of
    /// those asking for it, sends `ROOM_MEMBER_ADDED` for each.
    public func addMembers(roomId: UUID, by user: User, members: [(request: MemberRequest, historyCleared: Bool)]) async throws -> [AddedMember] {
        let now = clock()
        let maxGroupMembers = self.maxGroupMembers
        let requests = members.map(\.request)
        let cleared = Set(members.filter(\.historyCleared).map(\.request.userId))
        let change = try await store.transaction { session in
            guard let context = try await session.roomContext(roomId: roomId) else { throw MeetingError.roomNotFound }
            let known = try await session.knownUserIds(among: requests.map(\.userId))
            let change = try RoomStateMachine.apply(
                .addMembers(by: user, members: requests, knownUsers: known, maxGroupMembers: maxGroupMembers), to: context, now: now)
            try await session.save(change, replacing: context)
            for userId in cleared {
                try await session.setRoomSettings(RoomUserSettings(clearedAt: now), userId: userId, roomId: roomId, now: now)
            }
            return change
        } afterCommit: { change in
            self.hub.deliver(change.events, sentDate: now)
        }
        return requests.compactMap { request in
            change.context.room.member(request.userId).map { AddedMember(member: $0, clearedAt: cleared.contains(request.userId) ? now : nil) }
        }
    }

    /// `GET /rooms/{id}/members`: members only.
    public func members(roomId: UUID, by user: User) async throws -> [Member] {
        try await room(id: roomId, by: user).members
    }

    /// `PUT` / `DELETE /rooms/{id}/mute`: stores the caller's mute setting; event to him only.
    public func setMuted(roomId: UUID, by user: User, muted: Bool) async throws {
        let now = clock()
        _ = try await store.transaction { session in
            guard let room = try await session.room(id: roomId) else { throw MeetingError.roomNotFound }
            let event = try RoomRules.mute(room, by: user, muted: muted)
            var settings = try await session.roomSettings(userId: user.id, roomId: roomId)
            settings.muted = muted
            try await session.setRoomSettings(settings, userId: user.id, roomId: roomId, now: now)
            return event
        } afterCommit: { event in
            self.hub.deliver([event], sentDate: now)
        }
    }

    /// `PUT /rooms/{id}/clear`: the caller's history is cleared now; returns that time.
    public func clearHistory(roomId: UUID, by user: User) async throws -> Date {
        let now = clock()
        _ = try await store.transaction { session in
            guard let room = try await session.room(id: roomId) else { throw MeetingError.roomNotFound }
            let event = try RoomRules.clearHistory(room, by: user, now: now)
            var settings = try await session.roomSettings(userId: user.id, roomId: roomId)
            settings.clearedAt = now
            try await session.setRoomSettings(settings, userId: user.id, roomId: roomId, now: now)
            return event
        } afterCommit: { event in
            self.hub.deliver([event], sentDate: now)
        }
        return now
    }
}
