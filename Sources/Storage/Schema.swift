import SQLKit

/// Parley's schema migrations (reference schema: spec §7, names in snake_case plural).
///
/// Identifiers are stored as lowercase UUID text, enums as uppercase text (`GROUP`,
/// `PERMANENT`, `INTERNAL`, `WAITING`), timestamps through the driver's `TIMESTAMP` binding.
/// `rooms.meeting_id` has no foreign key (rooms and meetings reference each other; PostgreSQL
/// would need a deferred constraint): deleting a meeting clears it explicitly.
public enum ParleySchema {
    static let boolean = SQLDataType.custom(SQLRaw("BOOLEAN"))

    /// All migrations, ascending.
    public static let migrations: [Migration] = [
        Migration(version: 1, name: "users, rooms, subscriptions, meetings, participants, waiting_participants") { db in
            try await db.create(table: "users")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("name", type: .text, .notNull)
                .column("email", type: .text)
                .column("type", type: .text, .notNull)
                .column("status_message", type: .text, .notNull, .default(""))
                .column("created_at", type: .timestamp, .notNull)
                .column("updated_at", type: .timestamp, .notNull)
                .run()
            try await db.create(table: "rooms")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("name", type: .text)
                .column("description", type: .text)
                .column("type", type: .text, .notNull)
                .column("meeting_id", type: .text)
                .column("picture_updated_at", type: .timestamp)
                .column("created_at", type: .timestamp, .notNull)
                .column("updated_at", type: .timestamp, .notNull)
                .run()
            try await db.create(table: "subscriptions")
                .column("user_id", type: .text, .notNull)
                .column("room_id", type: .text, .notNull)
                .column("owner", type: boolean, .notNull, .default(false))
                .column("joined_at", type: .timestamp, .notNull)
                .column("position", type: .bigint, .notNull)
                .primaryKey("user_id", "room_id")
                .foreignKey(["room_id"], references: "rooms", ["id"], onDelete: .cascade)
                .run()
            try await db.create(index: "subscriptions_room_id_idx").on("subscriptions").column("room_id").run()
            try await db.create(table: "meetings")
                .column("id", type: .text, .primaryKey(autoIncrement: false))
                .column("room_id", type: .text, .notNull)
                .column("name", type: .text)
                .column("meeting_type", type: .text, .notNull, .default("PERMANENT"))
                .column("expiration", type: .timestamp)
                .column("active", type: boolean, .notNull, .default(false))
                .column("started_at", type: .timestamp)
                .column("created_at", type: .timestamp, .notNull)
                .foreignKey(["room_id"], references: "rooms", ["id"])
                .run()
            try await db.create(index: "meetings_room_id_idx").on("meetings").column("room_id").run()
            try await db.create(table: "participants")
                .column("meeting_id", type: .text, .notNull)
                .column("user_id", type: .text, .notNull)
                .column("queue_id", type: .text, .notNull)
                .column("audio_stream_on", type: boolean, .notNull, .default(false))
                .column("video_stream_on", type: boolean, .notNull, .default(false))
                .column("screen_stream_on", type: boolean, .notNull, .default(false))
                .column("hand_raised_at", type: .timestamp)
                .column("created_at", type: .timestamp, .notNull)
                .column("position", type: .bigint, .notNull)
                .primaryKey("meeting_id", "user_id")
                .foreignKey(["meeting_id"], references: "meetings", ["id"], onDelete: .cascade)
                .run()
            try await db.create(index: "participants_queue_id_idx").on("participants").column("queue_id").run()
            try await db.create(table: "waiting_participants")
                .column("meeting_id", type: .text, .notNull)
                .column("user_id", type: .text, .notNull)
                .column("queue_id", type: .text, .notNull)
                .column("status", type: .text, .notNull)
                .column("position", type: .bigint, .notNull)
                .primaryKey("meeting_id", "user_id")
                .foreignKey(["meeting_id"], references: "meetings", ["id"], onDelete: .cascade)
                .run()
            try await db.create(index: "waiting_participants_queue_id_idx").on("waiting_participants").column("queue_id").run()
        },
        recordingsAndRoomSettings,
    ]
}
