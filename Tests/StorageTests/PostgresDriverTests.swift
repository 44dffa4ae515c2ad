import Foundation
import Logging
import Meetings
import SQLKit
import XCTest
@testable import Storage

final class PostgresDriverTests: XCTestCase {
    let logger = Logger(label: "postgres-driver-tests")

    /// No server on a port: a typed error naming the URL without its password.
    func testUnreachableServerFailsWithRedactedError() async throws {
        let started = Date()
        do {
            let store = try await ParleyStore.open(url: "postgres://parley:hunter2@127.0.0.1:1/parley?sslmode=disable", logger: logger)
            try await store.shutdown()
            XCTFail("opened a store on a closed port")
        } catch let error as PostgresDriver.ConnectionError {
            XCTAssertEqual(error.url, "postgres://parley:***@127.0.0.1:1/parley?sslmode=disable")
            XCTAssertFalse(error.description.contains("hunter2"), error.description)
            XCTAssertFalse(error.reason.isEmpty)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 15, "connection refusal took longer than the connect timeout")
    }

    func testSessionsRunInUTCAndTimestampsRoundTripToTheMicrosecond() async throws {
        guard let backend = TestBackend.postgres else { throw XCTSkip("\(TestBackend.postgresURLVariable) not set") }
        try await backend.withStore(logger: logger) { store in
            let zone = try await store.read {
                try await $0.db.raw("SELECT current_setting('TimeZone') AS zone").first()?.decode(column: "zone", as: String.self)
            }
            XCTAssertEqual(zone, "UTC")
            // A user-chosen zone on the server side must not shift stored times: set one for a
            // transaction and read back through a fresh session.
            let instant = Date(timeIntervalSince1970: 1_700_000_123.456789)
            let room = Room(id: UUID(), name: "R", description: nil, type: .group, createdAt: instant, updatedAt: instant,
                            members: [Member(userId: UUID(), owner: true, joinedAt: instant)])
            try await store.transaction { session in
                try await session.db.raw("SET LOCAL TimeZone = 'Pacific/Kiritimati'").run()
                try await session.insertRoom(room)
            }
            let loaded = try await store.read { try await $0.room(id: room.id) }
            XCTAssertEqual(loaded?.createdAt.timeIntervalSince1970 ?? 0, instant.timeIntervalSince1970, accuracy: 0.000_001)
            XCTAssertEqual(loaded?.members.first?.joinedAt.timeIntervalSince1970 ?? 0, instant.timeIntervalSince1970, accuracy: 0.000_001)
        }
    }

    /// A transaction holds one connection: a failing statement rolls back the earlier ones of
    /// the same transaction, and the pool is usable afterwards.
    func testFailedStatementRollsBackAndPoolRecovers() async throws {
        guard let backend = TestBackend.postgres else { throw XCTSkip("\(TestBackend.postgresURLVariable) not set") }
        try await backend.withStore(logger: logger) { store in
            let user = User(id: UUID(), name: "Ann")
            do {
                try await store.transaction { session in
                    try await session.upsertUser(user, now: Date())
                    try await session.db.raw("SELECT no_such_column FROM users").run()
                }
                XCTFail("invalid statement accepted")
            } catch {}
            let absent = try await store.read { try await $0.user(id: user.id) }
            XCTAssertNil(absent)
            try await store.transaction { try await $0.upsertUser(user, now: Date()) }
            let present = try await store.read { try await $0.user(id: user.id) }
            XCTAssertEqual(present, user)
        }
    }
}
