import Foundation
import SQLKit

/// Row counts describing current activity, for the `/metrics` gauges (issue 3 §9).
public struct ActivityCounts: Equatable, Sendable {
    /// Meetings with `active = true` (started, not yet stopped).
    public var activeMeetings: Int
    /// Participants of active meetings.
    public var participants: Int
    /// Entries of waiting queues (all statuses).
    public var waitingParticipants: Int
    /// All stored meetings, active or not.
    public var meetings: Int
    /// All stored rooms.
    public var rooms: Int

    public init(activeMeetings: Int, participants: Int, waitingParticipants: Int, meetings: Int, rooms: Int) {
        self.activeMeetings = activeMeetings
        self.participants = participants
        self.waitingParticipants = waitingParticipants
        self.meetings = meetings
        self.rooms = rooms
    }
}

extension StoreSession {
    /// Current ``ActivityCounts`` in one statement (one consistent snapshot on both backends).
    public func activityCounts() async throws -> ActivityCounts {
        guard let row = try await db.raw("""
            SELECT
              (SELECT COUNT(*) FROM meetings WHERE active = \(bind: true)) AS active_meetings,
              (SELECT COUNT(*) FROM participants p JOIN meetings m ON m.id = p.meeting_id
                WHERE m.active = \(bind: true)) AS participants,
              (SELECT COUNT(*) FROM waiting_participants) AS waiting_participants,
              (SELECT COUNT(*) FROM meetings) AS meetings,
              (SELECT COUNT(*) FROM rooms) AS rooms
            """).first()
        else { return ActivityCounts(activeMeetings: 0, participants: 0, waitingParticipants: 0, meetings: 0, rooms: 0) }
        return ActivityCounts(
            activeMeetings: try row.decode(column: "active_meetings", as: Int.self),
            participants: try row.decode(column: "participants", as: Int.self),
            waitingParticipants: try row.decode(column: "waiting_participants", as: Int.self),
            meetings: try row.decode(column: "meetings", as: Int.self),
            rooms: try row.decode(column: "rooms", as: Int.self))
    }
}
