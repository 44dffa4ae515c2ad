import Foundation
import Logging
import Meetings
import SQLKit
import XCTest
@testable import Storage

/// Issue 3 storage: users by ids, room listing, per-user settings, recordings, meeting/room
/// deletion through ``RoomChange``, and the expiration query — on every test backend.
final class RoomStorageTests: XCTestCase {
    let logger = Logger(label: "room-storage-tests")
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    let t1 = Date(timeIntervalSince1970: 1_700_000_100.25)
    let alice = User(id: UUID(), name: "Alice", email: "alice@example.com")
    let bob = User(id: UUID(), name: "Bob", type: .guest)
    let carol = User(id: UUID(), name: "Carol")

    func room(_ id: UUID = UUID(), meetingId: UUID? = nil, members: [User]) -> Room {
        Room(id: id, name: "Room", description: nil, type: .group, meetingId: meetingId, createdAt: t0, updatedAt: t0,
             members: members.enumerated().map { Member(userId: $0.element.id, owner: $0.offset == 0, joinedAt: t0) })
    }

    func meeting(_ id: UUID, room: UUID, type: MeetingType = .permanent, expiration: Date? = nil) -> Meeting {
        Meeting(id: id, roomId: room, name: "M", meetingType: type, createdAt: t0, expiration: expiration)
    }

    func testUsersByIdsAndRoomsOfMember() async throws {
        try await forEachBackend(logger: logger) { [self] _, store in
            let first = room(members: [alice, bob]), second = room(members: [carol, alice]), other = room(members: [carol, bob])
            try await store.transaction { [self] session in
                for user in [alice, bob, carol] { try await session.upsertUser(user, now: t0) }
                for room in [first, second, other] { try await session.insertRoom(room) }
            }
            let users = try await store.read { [self] in try await $0.users(ids: [carol.id, UUID(), alice.id, carol.id]) }
            XCTAssertEqual(users, [StoredUser(user: carol), StoredUser(user: alice)], "request order, unknown and repeated ids skipped")
            let none = try await store.read { try await $0.users(ids: []) }
            XCTAssertEqual(none, [])
            let rooms = try await store.read { [self] in try await $0.rooms(ofMember: alice.id) }
            XCTAssertEqual(Set(rooms.map(\.id)), [first.id, second.id])
            XCTAssertEqual(rooms.first { $0.id == second.id }?.members.map(\.userId), [carol.id, alice.id])
        }
    }

    func testRoomSettingsAndRecordings() async throws {
        try await forEachBackend(logger: logger) { [self] _, store in
            let meetingId = UUID()
            let r = room(meetingId: meetingId, members: [alice, bob])
            try await store.transaction { [self] session in
                try await session.upsertUser(alice, now: t0)
                try await session.insertRoom(r)
                try await session.insertMeeting(meeting(meetingId, room: r.id))
            }
            let defaults = try await store.read { [self] in try await $0.roomSettings(userId: alice.id, roomId: r.id) }
            XCTAssertEqual(defaults, RoomUserSettings(muted: false, clearedAt: nil))
            try await store.transaction { [self] in
                try await $0.setRoomSettings(RoomUserSettings(muted: true, clearedAt: t1), userId: alice.id, roomId: r.id, now: t1)
            }
            try await store.transaction { [self] in
                try await $0.setRoomSettings(RoomUserSettings(muted: false, clearedAt: t1), userId: bob.id, roomId: r.id, now: t1)
            }
            let aliceSettings = try await store.read { [self] in try await $0.roomSettings(userId: alice.id, roomId: r.id) }
            XCTAssertEqual(aliceSettings, RoomUserSettings(muted: true, clearedAt: t1))
            try await store.transaction { [self] in
                try await $0.setRoomSettings(RoomUserSettings(muted: false, clearedAt: t1), userId: alice.id, roomId: r.id, now: t1)
            }
            let unmuted = try await store.read { [self] in try await $0.roomSettings(userId: alice.id, roomId: r.id) }
            XCTAssertEqual(unmuted, RoomUserSettings(muted: false, clearedAt: t1))

            // A recording starts and stops with the meeting context; the stopped row stays as history.
            let context = try await store.read { try await $0.meetingContext(meetingId: meetingId) }
            var recording = try XCTUnwrap(context)
            recording.meeting.recording = MeetingRecording(starterId: alice.id, startedAt: t1)
            try await store.transaction { [recording, context] in try await $0.save(recording, replacing: try XCTUnwrap(context)) }
            let loaded = try await store.read { try await $0.meeting(id: meetingId) }
            XCTAssertEqual(loaded?.recording, MeetingRecording(starterId: alice.id, startedAt: t1))
            var stopped = recording
            stopped.meeting.recording = nil
            try await store.transaction { [stopped, recording] in try await $0.save(stopped, replacing: recording) }
            let afterStop = try await store.read { try await $0.meeting(id: meetingId) }
            XCTAssertNil(afterStop?.recording)
            let rows = try await store.read { try await $0.db.select().columns("status").from("recordings").all() }
            XCTAssertEqual(try rows.map { try $0.decode(column: "status", as: String.self) }, ["STOPPED"])
        }
    }

    func testRoomChangesDeleteMeetingAndRoom() async throws {
        try await forEachBackend(logger: logger) { [self] _, store in
            let meetingId = UUID()
            let r = room(meetingId: meetingId, members: [alice, bob])
            var m = meeting(meetingId, room: r.id, type: .scheduled)
            m.active = true
            m.participants = [Participant(userId: bob.id, queueId: UUID(), joinedAt: t0)]
            m.recording = MeetingRecording(starterId: alice.id, startedAt: t0)
            try await store.transaction { [self, m] session in
                try await session.upsertUser(alice, now: t0)
                try await session.insertRoom(r)
                try await session.insertMeeting(m)
                let old = MeetingContext(room: r, meeting: m)
                var new = old
                new.waitingList = [WaitingParticipant(userId: carol.id, queueId: UUID(), status: .waiting)]
                try await session.save(new, replacing: old)
            }
            let loaded = try await store.read { try await $0.roomContext(roomId: r.id) }
            let context = try XCTUnwrap(loaded)
            XCTAssertEqual(context.meeting, m)
            XCTAssertEqual(context.waitingList.map(\.userId), [carol.id])

            // A rename reaches the meeting row too.
            let renamed = try RoomStateMachine.apply(.update(by: alice, name: "Renamed", description: nil), to: context, now: t1)
            try await store.transaction { try await $0.save(renamed, replacing: context) }
            let afterRename = try await store.read { try await $0.roomContext(roomId: r.id) }
            XCTAssertEqual(afterRename?.room.name, "Renamed")
            XCTAssertEqual(afterRename?.meeting?.name, "Renamed")

            // Deleting the room deletes the meeting with its participants, queue and recordings.
            let deletion = try RoomStateMachine.apply(.delete(by: alice), to: try XCTUnwrap(afterRename), now: t1)
            try await store.transaction { [afterRename] in try await $0.save(deletion, replacing: try XCTUnwrap(afterRename)) }
            let gone = try await store.read { try await $0.roomContext(roomId: r.id) }
            XCTAssertNil(gone)
            let meetingGone = try await store.read { try await $0.meeting(id: meetingId) }
            XCTAssertNil(meetingGone)
            for table in ["participants", "waiting_participants", "recordings", "subscriptions", "room_user_settings"] {
                let count = try await store.read { try await $0.db.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from(table).first() }
                XCTAssertEqual(try count?.decode(column: "n", as: Int.self), 0, table)
            }
        }
    }

    func testDeleteMeetingAndExpiredMeetings() async throws {
        try await forEachBackend(logger: logger) { [self] _, store in
            let past = UUID(), future = UUID(), permanent = UUID(), none = UUID()
            let rooms = [past, future, permanent, none].map { room(meetingId: $0, members: [alice]) }
            try await store.transaction { [self] session in
                for (room, id) in zip(rooms, [past, future, permanent, none]) {
                    try await session.insertRoom(room)
                    let expiration: Date? = id == past ? t0 : id == future ? t1 : id == permanent ? t0 : nil
                    try await session.insertMeeting(meeting(id, room: room.id, type: id == permanent ? .permanent : .scheduled,
                                                            expiration: expiration))
                }
            }
            let atT0 = try await store.read { [self] in try await $0.expiredMeetingIds(now: t0) }
            XCTAssertEqual(atT0, [past], "due at or before now; permanent meetings and meetings without expiration never")
            let later = try await store.read { [self] in try await $0.expiredMeetingIds(now: t1.addingTimeInterval(1)) }
            XCTAssertEqual(later, [past, future], "oldest expiration first")

            try await store.transaction { try await $0.deleteMeeting(id: past) }
            let pastRoom = try await store.read { [rooms] in try await $0.room(id: rooms[0].id) }
            XCTAssertNil(pastRoom?.meetingId, "the room forgets a deleted meeting")
            let remaining = try await store.read { [self] in try await $0.expiredMeetingIds(now: t1.addingTimeInterval(1)) }
            XCTAssertEqual(remaining, [future])
        }
    }
}
