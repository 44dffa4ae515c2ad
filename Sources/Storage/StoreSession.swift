import Foundation
import Meetings
import SQLKit

/// Repository operations on one database session (inside ``ParleyStore/transaction(_:)`` or
/// ``ParleyStore/read(_:)``). Uses only `SQLDatabase`, so it is dialect-neutral.
public struct StoreSession: Sendable {
    public let db: any SQLDatabase

    public init(db: any SQLDatabase) {
        self.db = db
    }

    // MARK: - Users

    /// Inserts `user`, or updates name, email and type of an existing row.
    public func upsertUser(_ user: User, now: Date) async throws {
        try await db.insert(into: "users")
            .columns("id", "name", "email", "type", "created_at", "updated_at")
            .values(user.id.dbText, user.name, user.email, user.type.dbText, now, now)
            .onConflict(with: ["id"]) {
                $0.set(excludedValueOf: "name").set(excludedValueOf: "email")
                    .set(excludedValueOf: "type").set(excludedValueOf: "updated_at")
            }
            .run()
    }

    /// The user with `id`, if stored.
    public func user(id: UUID) async throws -> User? {
        guard let row = try await db.select().columns("id", "name", "email", "type").from("users")
            .where("id", .equal, id.dbText).first()
        else { return nil }
        return User(
            id: try row.uuid("id", table: "users"), name: try row.decode(column: "name", as: String.self),
            email: try row.optional("email", as: String.self),
            type: try row.enumValue("type", table: "users", parse: UserType.init(caseInsensitive:)))
    }

    /// Which of `ids` are stored users.
    public func knownUserIds(among ids: [UUID]) async throws -> Set<UUID> {
        guard !ids.isEmpty else { return [] }
        let rows = try await db.select().column("id").from("users").where("id", .in, ids.map(\.dbText)).all()
        return Set(try rows.map { try $0.uuid("id", table: "users") })
    }

    // MARK: - Rooms

    /// Inserts a new room and its members.
    public func insertRoom(_ room: Room) async throws {
        try await db.insert(into: "rooms")
            .columns("id", "name", "description", "type", "meeting_id", "picture_updated_at", "created_at", "updated_at")
            .values(room.id.dbText, room.name, room.description, room.type.dbText, room.meetingId?.dbText,
                    room.pictureUpdatedAt, room.createdAt, room.updatedAt)
            .run()
        try await insertMembers(room)
    }

    /// The room with `id` and its members (in membership order), if stored.
    public func room(id: UUID) async throws -> Room? {
        guard let row = try await db.select()
            .columns("id", "name", "description", "type", "meeting_id", "picture_updated_at", "created_at", "updated_at")
            .from("rooms").where("id", .equal, id.dbText).first()
        else { return nil }
        let memberRows = try await db.select().columns("user_id", "owner", "joined_at").from("subscriptions")
            .where("room_id", .equal, id.dbText).orderBy("position").all()
        let members = try memberRows.map {
            Member(userId: try $0.uuid("user_id", table: "subscriptions"),
                   owner: try $0.decode(column: "owner", as: Bool.self),
                   joinedAt: try $0.decode(column: "joined_at", as: Date.self))
        }
        return Room(
            id: try row.uuid("id", table: "rooms"),
            name: try row.optional("name", as: String.self),
            description: try row.optional("description", as: String.self),
            type: try row.enumValue("type", table: "rooms", parse: RoomType.init(caseInsensitive:)),
            meetingId: try row.optionalUUID("meeting_id", table: "rooms"),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            updatedAt: try row.decode(column: "updated_at", as: Date.self),
            pictureUpdatedAt: try row.optional("picture_updated_at", as: Date.self),
            members: members)
    }

    /// Writes the differences between `old` and `new` (same room id): row fields, then members.
    public func saveRoom(_ new: Room, replacing old: Room) async throws {
        var fields = new
        fields.members = old.members
        if fields != old {
            try await db.update("rooms")
                .set("name", to: new.name).set("description", to: new.description)
                .set("type", to: new.type.dbText).set("meeting_id", to: new.meetingId?.dbText)
                .set("picture_updated_at", to: new.pictureUpdatedAt).set("updated_at", to: new.updatedAt)
                .where("id", .equal, new.id.dbText)
                .run()
        }
        if new.members != old.members {
            try await db.delete(from: "subscriptions").where("room_id", .equal, new.id.dbText).run()
            try await insertMembers(new)
        }
    }

    /// True when a one-to-one room has exactly these two users as members.
    public func oneToOneRoomExists(between a: UUID, and b: UUID) async throws -> Bool {
        let rows = try await db.raw("""
            SELECT s.room_id FROM subscriptions s JOIN rooms r ON r.id = s.room_id
            WHERE r.type = \(bind: RoomType.oneToOne.dbText) AND s.user_id IN (\(bind: a.dbText), \(bind: b.dbText))
            GROUP BY s.room_id HAVING COUNT(*) = 2
            """).all()
        return !rows.isEmpty
    }

    private func insertMembers(_ room: Room) async throws {
        guard !room.members.isEmpty else { return }
        let insert = db.insert(into: "subscriptions").columns("user_id", "room_id", "owner", "joined_at", "position")
        for (position, member) in room.members.enumerated() {
            insert.values(member.userId.dbText, room.id.dbText, member.owner, member.joinedAt, position)
        }
        try await insert.run()
    }

    // MARK: - Meetings

    /// Inserts a new meeting, its participants (normally none) and its running recording (if any).
    public func insertMeeting(_ meeting: Meeting) async throws {
        try await db.insert(into: "meetings")
            .columns("id", "room_id", "name", "meeting_type", "expiration", "active", "started_at", "created_at")
            .values(meeting.id.dbText, meeting.roomId.dbText, meeting.name, meeting.meetingType.dbText,
                    meeting.expiration, meeting.active, meeting.startedAt, meeting.createdAt)
            .run()
        try await insertParticipants(meeting)
        if let recording = meeting.recording { try await saveRecording(recording, replacing: nil, meetingId: meeting.id) }
    }

    /// The meeting with `id` and its participants (in join order), if stored.
    public func meeting(id: UUID) async throws -> Meeting? {
        guard let row = try await db.select()
            .columns("id", "room_id", "name", "meeting_type", "expiration", "active", "started_at", "created_at")
            .from("meetings").where("id", .equal, id.dbText).first()
        else { return nil }
        let participantRows = try await db.select()
            .columns("user_id", "queue_id", "audio_stream_on", "video_stream_on", "screen_stream_on", "hand_raised_at", "created_at")
            .from("participants").where("meeting_id", .equal, id.dbText).orderBy("position").all()
        let participants = try participantRows.map {
            Participant(
                userId: try $0.uuid("user_id", table: "participants"),
                queueId: try $0.uuid("queue_id", table: "participants"),
                audioStreamEnabled: try $0.decode(column: "audio_stream_on", as: Bool.self),
                videoStreamEnabled: try $0.decode(column: "video_stream_on", as: Bool.self),
                screenStreamEnabled: try $0.decode(column: "screen_stream_on", as: Bool.self),
                joinedAt: try $0.decode(column: "created_at", as: Date.self),
                handRaisedAt: try $0.optional("hand_raised_at", as: Date.self))
        }
        let running = try await recording(meetingId: id)
        return Meeting(
            id: try row.uuid("id", table: "meetings"),
            roomId: try row.uuid("room_id", table: "meetings"),
            name: try row.optional("name", as: String.self),
            meetingType: try row.enumValue("meeting_type", table: "meetings", parse: MeetingType.init(caseInsensitive:)),
            active: try row.decode(column: "active", as: Bool.self),
            createdAt: try row.decode(column: "created_at", as: Date.self),
            startedAt: try row.optional("started_at", as: Date.self),
            expiration: try row.optional("expiration", as: Date.self),
            participants: participants, recording: running)
    }

    /// Meetings of every room `userId` is a member of, oldest first (`GET /meetings`, M1).
    public func meetings(ofMember userId: UUID) async throws -> [Meeting] {
        let rows = try await db.raw("""
            SELECT m.id FROM meetings m JOIN subscriptions s ON s.room_id = m.room_id
            WHERE s.user_id = \(bind: userId.dbText) ORDER BY m.created_at, m.id
            """).all()
        var meetings: [Meeting] = []
        for row in rows {
            if let meeting = try await meeting(id: try row.uuid("id", table: "meetings")) { meetings.append(meeting) }
        }
        return meetings
    }

    /// The waiting queue of a meeting, oldest first.
    public func waitingList(meetingId: UUID) async throws -> [WaitingParticipant] {
        let rows = try await db.select().columns("user_id", "queue_id", "status").from("waiting_participants")
            .where("meeting_id", .equal, meetingId.dbText).orderBy("position").all()
        return try rows.map {
            WaitingParticipant(
                userId: try $0.uuid("user_id", table: "waiting_participants"),
                queueId: try $0.uuid("queue_id", table: "waiting_participants"),
                status: try $0.enumValue("status", table: "waiting_participants", parse: WaitingStatus.init(rawValue:)))
        }
    }

    /// Meeting, room and waiting queue for a command; nil when the meeting or its room is missing.
    public func meetingContext(meetingId: UUID) async throws -> MeetingContext? {
        guard let meeting = try await meeting(id: meetingId), let room = try await room(id: meeting.roomId) else {
            return nil
        }
        return MeetingContext(room: room, meeting: meeting, waitingList: try await waitingList(meetingId: meetingId))
    }

    /// Writes the differences between `old` and `new` (same meeting and room).
    public func save(_ new: MeetingContext, replacing old: MeetingContext) async throws {
        if new.room != old.room { try await saveRoom(new.room, replacing: old.room) }
        var fields = new.meeting
        fields.participants = old.meeting.participants
        fields.recording = old.meeting.recording
        if fields != old.meeting {
            try await db.update("meetings")
                .set("name", to: new.meeting.name).set("meeting_type", to: new.meeting.meetingType.dbText)
                .set("expiration", to: new.meeting.expiration).set("active", to: new.meeting.active)
                .set("started_at", to: new.meeting.startedAt)
                .where("id", .equal, new.meeting.id.dbText)
                .run()
        }
        if new.meeting.participants != old.meeting.participants {
            try await db.delete(from: "participants").where("meeting_id", .equal, new.meeting.id.dbText).run()
            try await insertParticipants(new.meeting)
        }
        if new.meeting.recording != old.meeting.recording {
            try await saveRecording(new.meeting.recording, replacing: old.meeting.recording, meetingId: new.meeting.id)
        }
        if new.waitingList != old.waitingList {
            try await db.delete(from: "waiting_participants").where("meeting_id", .equal, new.meeting.id.dbText).run()
            guard !new.waitingList.isEmpty else { return }
            let insert = db.insert(into: "waiting_participants").columns("meeting_id", "user_id", "queue_id", "status", "position")
            for (position, entry) in new.waitingList.enumerated() {
                insert.values(new.meeting.id.dbText, entry.userId.dbText, entry.queueId.dbText, entry.status.rawValue, position)
            }
            try await insert.run()
        }
    }

    /// Meetings in which WebSocket queue `queueId` is a participant or a waiting entry.
    public func meetingIds(withQueue queueId: UUID) async throws -> [UUID] {
        let participantRows = try await db.select().column("meeting_id").from("participants")
            .where("queue_id", .equal, queueId.dbText).all()
        let waitingRows = try await db.select().column("meeting_id").from("waiting_participants")
            .where("queue_id", .equal, queueId.dbText).all()
        var ids: [UUID] = []
        for row in participantRows + waitingRows {
            let id = try row.uuid("meeting_id", table: "participants")
            if !ids.contains(id) { ids.append(id) }
        }
        return ids
    }

    private func insertParticipants(_ meeting: Meeting) async throws {
        guard !meeting.participants.isEmpty else { return }
        let insert = db.insert(into: "participants").columns(
            "meeting_id", "user_id", "queue_id", "audio_stream_on", "video_stream_on", "screen_stream_on",
            "hand_raised_at", "created_at", "position")
        for (position, p) in meeting.participants.enumerated() {
            insert.values(meeting.id.dbText, p.userId.dbText, p.queueId.dbText, p.audioStreamEnabled,
                          p.videoStreamEnabled, p.screenStreamEnabled, p.handRaisedAt, p.joinedAt, position)
        }
        try await insert.run()
    }
}
