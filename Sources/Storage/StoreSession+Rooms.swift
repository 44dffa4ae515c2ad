import Foundation
import Meetings
import SQLKit

/// A user's own settings in one room (spec §7 `ROOM_USER_SETTINGS`, Room JSON `userSettings`).
public struct RoomUserSettings: Equatable, Sendable {
    /// Notifications muted (WSC stores a "forever" mute date; Parley stores the mute time).
    public var muted: Bool
    /// When the user last cleared the room history.
    public var clearedAt: Date?

    public init(muted: Bool = false, clearedAt: Date? = nil) {
        self.muted = muted
        self.clearedAt = clearedAt
    }
}

/// A stored user with the locally kept status message (WSC `User`, spec §5.3).
public struct StoredUser: Equatable, Sendable {
    public var user: User
    public var statusMessage: String

    public init(user: User, statusMessage: String = "") {
        self.user = user
        self.statusMessage = statusMessage
    }
}

/// Repository operations of issue 3: users by ids, room listing, deletion, per-user room
/// settings, recordings and the expiration job's query. Dialect-neutral (`SQLDatabase` only).
extension StoreSession {
    // MARK: - Users

    /// The stored users among `ids`, in the order of `ids` (unknown ids are skipped).
    public func users(ids: [UUID]) async throws -> [StoredUser] {
        guard !ids.isEmpty else { return [] }
        let rows = try await db.select().columns("id", "name", "email", "type", "status_message").from("users")
            .where("id", .in, ids.map(\.dbText)).all()
        var byId: [UUID: StoredUser] = [:]
        for row in rows {
            let user = User(
                id: try row.uuid("id", table: "users"), name: try row.decode(column: "name", as: String.self),
                email: try row.optional("email", as: String.self),
                type: try row.enumValue("type", table: "users", parse: UserType.init(caseInsensitive:)))
            byId[user.id] = StoredUser(user: user, statusMessage: try row.decode(column: "status_message", as: String.self))
        }
        var seen = Set<UUID>()
        return ids.compactMap { id in seen.insert(id).inserted ? byId[id] : nil }
    }

    // MARK: - Rooms

    /// Rooms `userId` is a member of, oldest first.
    public func rooms(ofMember userId: UUID) async throws -> [Room] {
        let rows = try await db.raw("""
            SELECT r.id FROM rooms r JOIN subscriptions s ON s.room_id = r.id
            WHERE s.user_id = \(bind: userId.dbText) ORDER BY r.created_at, r.id
            """).all()
        var rooms: [Room] = []
        for row in rows {
            if let room = try await room(id: try row.uuid("id", table: "rooms")) { rooms.append(room) }
        }
        return rooms
    }

    /// The room with its meeting and waiting queue; nil when the room is missing.
    public func roomContext(roomId: UUID) async throws -> RoomContext? {
        guard let room = try await room(id: roomId) else { return nil }
        guard let meetingId = room.meetingId, let meeting = try await meeting(id: meetingId) else {
            return RoomContext(room: room)
        }
        return RoomContext(room: room, meeting: meeting, waitingList: try await waitingList(meetingId: meetingId))
    }

    /// Writes a room command's outcome over `old`.
    public func save(_ change: RoomChange, replacing old: RoomContext) async throws {
        if change.meetingDeleted || change.roomDeleted, let meetingId = old.meeting?.id {
            try await deleteMeeting(id: meetingId)
        }
        if change.roomDeleted {
            try await db.delete(from: "rooms").where("id", .equal, old.room.id.dbText).run()
            return
        }
        var oldRoom = old.room
        if change.meetingDeleted { oldRoom.meetingId = nil }  // already cleared by deleteMeeting
        if change.context.room != oldRoom { try await saveRoom(change.context.room, replacing: oldRoom) }
        if let newMeeting = change.context.meetingContext, let oldMeeting = old.meetingContext, !change.meetingDeleted {
            var oldWithNewRoom = oldMeeting
            oldWithNewRoom.room = newMeeting.room  // the room row is written above
            if newMeeting != oldWithNewRoom { try await save(newMeeting, replacing: oldWithNewRoom) }
        }
    }

    /// Deletes a meeting (participants, waiting queue and recordings cascade) and clears the
    /// `meeting_id` of its room.
    public func deleteMeeting(id: UUID) async throws {
        try await db.update("rooms").set("meeting_id", to: SQLLiteral.null).where("meeting_id", .equal, id.dbText).run()
        try await db.delete(from: "meetings").where("id", .equal, id.dbText).run()
    }

    // MARK: - Per-user room settings

    /// The settings of `userId` in `roomId` (defaults when never set).
    public func roomSettings(userId: UUID, roomId: UUID) async throws -> RoomUserSettings {
        guard let row = try await db.select().columns("muted_until", "cleared_at").from("room_user_settings")
            .where("user_id", .equal, userId.dbText).where("room_id", .equal, roomId.dbText).first()
        else { return RoomUserSettings() }
        return RoomUserSettings(
            muted: !(try row.decodeNil(column: "muted_until")),
            clearedAt: try row.optional("cleared_at", as: Date.self))
    }

    /// Stores `settings` of `userId` in `roomId`.
    public func setRoomSettings(_ settings: RoomUserSettings, userId: UUID, roomId: UUID, now: Date) async throws {
        try await db.insert(into: "room_user_settings")
            .columns("user_id", "room_id", "muted_until", "cleared_at", "created_at", "updated_at")
            .values(userId.dbText, roomId.dbText, settings.muted ? now : nil, settings.clearedAt, now, now)
            .onConflict(with: ["user_id", "room_id"]) {
                $0.set(excludedValueOf: "muted_until").set(excludedValueOf: "cleared_at").set(excludedValueOf: "updated_at")
            }
            .run()
    }

    // MARK: - Recordings

    /// The recording in status STARTED of a meeting, if any.
    func recording(meetingId: UUID) async throws -> MeetingRecording? {
        guard let row = try await db.select().columns("starter_id", "started_at").from("recordings")
            .where("meeting_id", .equal, meetingId.dbText).where("status", .equal, "STARTED").first()
        else { return nil }
        return MeetingRecording(
            starterId: try row.uuid("starter_id", table: "recordings"),
            startedAt: try row.decode(column: "started_at", as: Date.self))
    }

    /// Marks the running recording STOPPED and/or inserts a new STARTED one.
    func saveRecording(_ new: MeetingRecording?, replacing old: MeetingRecording?, meetingId: UUID) async throws {
        if old != nil {
            try await db.update("recordings").set("status", to: "STOPPED").set("stopped_at", to: Date())
                .where("meeting_id", .equal, meetingId.dbText).where("status", .equal, "STARTED").run()
        }
        if let new {
            try await db.insert(into: "recordings").columns("id", "meeting_id", "starter_id", "started_at", "status")
                .values(UUID().dbText, meetingId.dbText, new.starterId.dbText, new.startedAt, "STARTED")
                .run()
        }
    }

    // MARK: - Expiration

    /// Scheduled meetings whose `expiration` is at or before `now`, oldest expiration first.
    public func expiredMeetingIds(now: Date) async throws -> [UUID] {
        let rows = try await db.select().column("id").from("meetings")
            .where("meeting_type", .equal, MeetingType.scheduled.dbText)
            .where("expiration", .isNot, SQLLiteral.null)
            .where("expiration", .lessThanOrEqual, now)
            .orderBy("expiration").all()
        return try rows.map { try $0.uuid("id", table: "meetings") }
    }
}
