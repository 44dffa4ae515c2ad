import SQLKit

extension ParleySchema {
    /// Version 2 (issue 3): recordings (spec §2.6, table `RECORDING`), per-user room settings
    /// (spec §7 `ROOM_USER_SETTINGS`: mute and history clearing), users' status message is
    /// already in version 1; an index for the scheduled-meeting expiration job.
    static let recordingsAndRoomSettings = Migration(version: 2, name: "recordings, room_user_settings, meetings expiration index") { db in
        try await db.create(table: "recordings")
            .column("id", type: .text, .primaryKey(autoIncrement: false))
            .column("meeting_id", type: .text, .notNull)
            .column("starter_id", type: .text, .notNull)
            .column("started_at", type: .timestamp, .notNull)
            .column("status", type: .text, .notNull)
            .column("stopped_at", type: .timestamp)
            .foreignKey(["meeting_id"], references: "meetings", ["id"], onDelete: .cascade)
            .run()
        try await db.create(index: "recordings_meeting_id_idx").on("recordings").column("meeting_id").run()
        try await db.create(table: "room_user_settings")
            .column("user_id", type: .text, .notNull)
            .column("room_id", type: .text, .notNull)
            .column("muted_until", type: .timestamp)
            .column("cleared_at", type: .timestamp)
            .column("created_at", type: .timestamp, .notNull)
            .column("updated_at", type: .timestamp, .notNull)
            .primaryKey("user_id", "room_id")
            .foreignKey(["room_id"], references: "rooms", ["id"], onDelete: .cascade)
            .run()
        try await db.create(index: "meetings_expiration_idx").on("meetings").column("expiration").run()
    }
}
