import Foundation
import Logging
import Meetings
import SQLKit
import XCTest
@testable import Storage

final class StorageTests: XCTestCase {
    let logger = Logger(label: "storage-tests")
    let t0 = Date(timeIntervalSince1970: 1_700_000_000)
    let t1 = Date(timeIntervalSince1970: 1_700_000_100.5)
    let alice = User(id: UUID(), name: "Alice", email: "alice@example.com")
    let bob = User(id: UUID(), name: "Bob", type: .guest)
    let carol = User(id: UUID(), name: "Carol")

    /// Every version of ``ParleySchema/migrations``.
    let allVersions = Set(ParleySchema.migrations.map(\.version))

    /// Runs `body` on a fresh store of every ``TestBackend``.
    func withStore(_ body: (ParleyStore) async throws -> Void) async throws {
        try await forEachBackend(logger: logger) { backend, store in
            print("storage backend: \(backend)")
            try await body(store)
        }
    }

    func testMigrationsAreIdempotentAndRecordedOnPostgres() async throws {
        guard let backend = TestBackend.postgres else { throw XCTSkip("\(TestBackend.postgresURLVariable) not set") }
        let url = backend.freshURL()
        let first = try await ParleyStore.open(url: url, logger: logger)
        let applied = try await first.read { try await Migrator.appliedVersions($0.db) }
        XCTAssertEqual(applied, allVersions)
        try await first.transaction { [alice, t0] in try await $0.upsertUser(alice, now: t0) }
        try await first.shutdown()
        // A second open of the same database (schema) applies nothing and sees the data.
        let second = try await ParleyStore.open(url: url, logger: logger)
        let again = try await second.migrate()
        XCTAssertEqual(again, [])
        let loaded = try await second.read { [alice] in try await $0.user(id: alice.id) }
        XCTAssertEqual(loaded, alice)
        try await TestBackend.dropAndClose(second)
    }

    /// CI must exercise PostgreSQL: scripts/test starts a server and sets the URL.
    func testPostgresIsConfiguredInCI() throws {
        guard ProcessInfo.processInfo.environment["CI"] == "true" else { throw XCTSkip("not CI") }
        XCTAssertNotNil(TestBackend.postgres, "CI=true but \(TestBackend.postgresURLVariable) is not set")
    }

    func testMigrationsAreIdempotentAndRecorded() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("parley-\(UUID().uuidString)/nested")
        defer { try? FileManager.default.removeItem(at: directory.deletingLastPathComponent()) }
        let path = directory.appendingPathComponent("parley.sqlite").path
        // Parent directories are created; a second open applies nothing; data survives.
        let first = try await ParleyStore.open(url: "sqlite:\(path)", logger: logger)
        let value1 = try await first.read { try await Migrator.appliedVersions($0.db) }
        XCTAssertEqual(value1, allVersions)
        try await first.transaction { [alice, t0] in try await $0.upsertUser(alice, now: t0) }
        let value2 = try await first.migrate()
        XCTAssertEqual(value2, [], "already applied migrations run again")
        try await first.shutdown()
        XCTAssertTrue(FileManager.default.fileExists(atPath: path))

        let second = try await ParleyStore.open(url: "sqlite:\(path)", logger: logger)
        let value3 = try await second.migrate()
        XCTAssertEqual(value3, [])
        let value4 = try await second.read { [alice] in try await $0.user(id: alice.id) }
        XCTAssertEqual(value4, alice)
        try await second.shutdown()
    }

    func testMigratorRejectsDuplicatesAndNewerDatabases() async throws {
        try await withStore { store in
            let noop = Migration(version: 7, name: "noop") { _ in }
            do {
                _ = try await store.read { try await Migrator.migrate($0.db, migrations: [noop, noop]) }
                XCTFail("duplicate versions accepted")
            } catch { XCTAssertEqual(error as? Migrator.MigrationError, .duplicateVersion(7)) }
            do {
                _ = try await store.read { try await Migrator.migrate($0.db, migrations: []) }
                XCTFail("older build accepted a newer database")
            } catch {
                XCTAssertEqual(error as? Migrator.MigrationError, .databaseIsNewer(applied: self.allVersions.max() ?? 0, known: 0))
            }
        }
    }

    func testFailedMigrationIsRolledBack() async throws {
        try await withStore { store in
            let broken = Migration(version: (self.allVersions.max() ?? 0) + 1, name: "broken") { db in
                try await db.create(table: "half_done").column("id", type: .int).run()
                try await db.raw("THIS IS NOT SQL").run()
            }
            do {
                _ = try await store.read { try await Migrator.migrate($0.db, migrations: ParleySchema.migrations + [broken]) }
                XCTFail("broken migration succeeded")
            } catch {}
            let value5 = try await store.read { try await Migrator.appliedVersions($0.db) }
            XCTAssertEqual(value5, self.allVersions)
            do {
                _ = try await store.read { try await $0.db.raw("SELECT COUNT(*) AS n FROM half_done").all() }
                XCTFail("the broken migration's table survived the rollback")
            } catch {}
        }
    }

    func testUsersUpsertAndLookup() async throws {
        try await withStore { store in
            let (alice, bob, t0, t1) = (self.alice, self.bob, self.t0, self.t1)
            try await store.transaction { try await $0.upsertUser(alice, now: t0); try await $0.upsertUser(bob, now: t0) }
            var renamed = alice
            renamed.name = "Alice Liddell"
            renamed.email = nil
            try await store.transaction { [renamed] in try await $0.upsertUser(renamed, now: t1) }
            let value6 = try await store.read { try await $0.user(id: alice.id) }
            XCTAssertEqual(value6, renamed)
            let value7 = try await store.read { try await $0.user(id: bob.id) }
            XCTAssertEqual(value7, bob)
            let value8 = try await store.read { try await $0.user(id: UUID()) }
            XCTAssertNil(value8)
            let unknown = UUID()
            let value9 = try await store.read { try await $0.knownUserIds(among: [alice.id, unknown, bob.id]) }
            XCTAssertEqual(value9, [alice.id, bob.id])
            let value10 = try await store.read { try await $0.knownUserIds(among: []) }
            XCTAssertEqual(value10, [])
        }
    }

    func makeRoom(type: RoomType = .group) -> Room {
        Room(id: UUID(), name: type == .oneToOne ? nil : "Room", description: "d", type: type, createdAt: t0, updatedAt: t0,
             members: [Member(userId: alice.id, owner: true, joinedAt: t0), Member(userId: bob.id, owner: false, joinedAt: t1)])
    }

    func testRoomRoundTripAndMemberChanges() async throws {
        try await withStore { store in
            let room = self.makeRoom()
            try await store.transaction { try await $0.insertRoom(room) }
            let value11 = try await store.read { try await $0.room(id: room.id) }
            XCTAssertEqual(value11, room)
            let value12 = try await store.read { try await $0.room(id: UUID()) }
            XCTAssertNil(value12)

            var changed = room
            changed.name = "Renamed"
            changed.members[1].owner = true
            changed.members.append(Member(userId: self.carol.id, owner: false, joinedAt: self.t1))
            try await store.transaction { [changed] in try await $0.saveRoom(changed, replacing: room) }
            let value13 = try await store.read { try await $0.room(id: room.id) }
            XCTAssertEqual(value13, changed)
        }
    }

    func testOneToOneLookup() async throws {
        try await withStore { store in
            let direct = self.makeRoom(type: .oneToOne)
            let group = Room(id: UUID(), name: "G", description: nil, type: .group, createdAt: self.t0, updatedAt: self.t0,
                             members: [Member(userId: self.alice.id, owner: true, joinedAt: self.t0),
                                       Member(userId: self.carol.id, owner: false, joinedAt: self.t0)])
            try await store.transaction { try await $0.insertRoom(direct); try await $0.insertRoom(group) }
            let (a, b, c) = (self.alice.id, self.bob.id, self.carol.id)
            let value14 = try await store.read { try await $0.oneToOneRoomExists(between: a, and: b) }
            XCTAssertTrue(value14)
            let value15 = try await store.read { try await $0.oneToOneRoomExists(between: b, and: a) }
            XCTAssertTrue(value15)
            let value16 = try await store.read { try await $0.oneToOneRoomExists(between: a, and: c) }
            XCTAssertFalse(value16, "group rooms do not count")
        }
    }

    func testMeetingContextRoundTripAndSave() async throws {
        try await withStore { store in
            var room = self.makeRoom()
            let meeting = Meeting(id: UUID(), roomId: room.id, name: "M", meetingType: .scheduled, createdAt: self.t0,
                                  expiration: self.t1)
            room.meetingId = meeting.id
            try await store.transaction { [room] in try await $0.insertRoom(room); try await $0.insertMeeting(meeting) }
            let loaded = try await store.read { try await $0.meetingContext(meetingId: meeting.id) }
            XCTAssertEqual(loaded, MeetingContext(room: room, meeting: meeting))
            let value17 = try await store.read { try await $0.meetingContext(meetingId: UUID()) }
            XCTAssertNil(value17)

            var next = try XCTUnwrap(loaded)
            let (qa, qb) = (UUID(), UUID())
            next.meeting.active = true
            next.meeting.startedAt = self.t1
            next.meeting.participants = [
                Participant(userId: self.bob.id, queueId: qb, videoStreamEnabled: true, joinedAt: self.t1, handRaisedAt: self.t1),
                Participant(userId: self.alice.id, queueId: qa, audioStreamEnabled: true, joinedAt: self.t0),
            ]
            next.waitingList = [WaitingParticipant(userId: self.carol.id, queueId: UUID(), status: .accepted)]
            next.room.members.append(Member(userId: self.carol.id, owner: false, joinedAt: self.t1))
            let old = try XCTUnwrap(loaded)
            try await store.transaction { [next] in try await $0.save(next, replacing: old) }
            let value18 = try await store.read { try await $0.meetingContext(meetingId: meeting.id) }
            XCTAssertEqual(value18, next)
            let value19 = try await store.read { try await $0.meetingIds(withQueue: qa) }
            XCTAssertEqual(value19, [meeting.id])
            let value20 = try await store.read { try await $0.meetingIds(withQueue: UUID()) }
            XCTAssertEqual(value20, [])

            // Stopping clears participants and queue.
            var stopped = next
            stopped.meeting.active = false
            stopped.meeting.startedAt = nil
            stopped.meeting.participants = []
            stopped.waitingList = []
            try await store.transaction { [stopped, next] in try await $0.save(stopped, replacing: next) }
            let value21 = try await store.read { try await $0.meetingContext(meetingId: meeting.id) }
            XCTAssertEqual(value21, stopped)
        }
    }

    func testFailedTransactionLeavesNothing() async throws {
        try await withStore { store in
            let room = self.makeRoom()
            struct Abort: Error {}
            do {
                try await store.transaction { session in
                    try await session.insertRoom(room)
                    throw Abort()
                }
                XCTFail("transaction did not rethrow")
            } catch is Abort {}
            let value22 = try await store.read { try await $0.room(id: room.id) }
            XCTAssertNil(value22)
            // A duplicate primary key fails the whole transaction, including the first insert.
            let alice = self.alice
            do {
                try await store.transaction { session in
                    try await session.upsertUser(alice, now: Date())
                    try await session.insertRoom(room)
                    try await session.insertRoom(room)
                }
                XCTFail("duplicate room accepted")
            } catch {}
            let value23 = try await store.read { try await $0.user(id: alice.id) }
            XCTAssertNil(value23)
        }
    }

    func testForeignKeysAreEnforced() async throws {
        try await withStore { store in
            let orphan = Meeting(id: UUID(), roomId: UUID(), name: nil, meetingType: .permanent, createdAt: self.t0)
            do {
                try await store.transaction { try await $0.insertMeeting(orphan) }
                XCTFail("meeting without room accepted")
            } catch {}
        }
    }

    func testConcurrentTransactionsAreSerialised() async throws {
        try await withStore { store in
            let t0 = self.t0
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<40 {
                    group.addTask {
                        try await store.transaction { session in
                            try await session.upsertUser(User(id: UUID(), name: "u\(i)"), now: t0)
                            await Task.yield()
                            try await session.upsertUser(User(id: UUID(), name: "v\(i)"), now: t0)
                        }
                    }
                }
                try await group.waitForAll()
            }
            let count = try await store.read { try await $0.db.raw("SELECT COUNT(*) AS n FROM users").first()?.decode(column: "n", as: Int.self) }
            XCTAssertEqual(count, 80)
        }
    }
}

extension StorageTests {
    func testActivityCounts() async throws {
        try await withStore { store in
            let empty = try await store.read { try await $0.activityCounts() }
            XCTAssertEqual(empty, ActivityCounts(activeMeetings: 0, participants: 0, waitingParticipants: 0, meetings: 0, rooms: 0))

            var room1 = self.makeRoom()
            var room2 = self.makeRoom()
            let running = Meeting(id: UUID(), roomId: room1.id, name: "A", meetingType: .permanent, active: true,
                                  createdAt: self.t0, startedAt: self.t1,
                                  participants: [Participant(userId: self.alice.id, queueId: UUID(), joinedAt: self.t1),
                                                 Participant(userId: self.bob.id, queueId: UUID(), joinedAt: self.t1)])
            let idle = Meeting(id: UUID(), roomId: room2.id, name: "B", meetingType: .scheduled, createdAt: self.t0)
            room1.meetingId = running.id
            room2.meetingId = idle.id
            try await store.transaction { [room1, room2] session in
                try await session.insertRoom(room1)
                try await session.insertRoom(room2)
                try await session.insertMeeting(running)
                try await session.insertMeeting(idle)
            }
            let loaded = try await store.read { try await $0.meetingContext(meetingId: idle.id) }
            let old = try XCTUnwrap(loaded)
            var waiting = old
            waiting.waitingList = [WaitingParticipant(userId: self.carol.id, queueId: UUID(), status: .waiting)]
            try await store.transaction { [waiting] in try await $0.save(waiting, replacing: old) }

            let counts = try await store.read { try await $0.activityCounts() }
            XCTAssertEqual(counts, ActivityCounts(activeMeetings: 1, participants: 2, waitingParticipants: 1, meetings: 2, rooms: 2))
        }
    }
}
