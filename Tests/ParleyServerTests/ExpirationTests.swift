import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Meetings
import XCTest
@testable import ParleyServer

/// The scheduled-meeting expiration job (issue 3 item 5) with an injected clock, and the
/// configuration keys of issue 3.
final class ExpirationTests: XCTestCase {
    let alice = User(id: UUID(), name: "Alice")
    let bob = User(id: UUID(), name: "Bob")

    /// A settable clock.
    final class TestClock: @unchecked Sendable {
        private let lock = NSLock()
        private var current: Date
        init(_ start: Date) { current = start }
        var now: Date {
            get { lock.lock(); defer { lock.unlock() }; return current }
            set { lock.lock(); current = newValue; lock.unlock() }
        }
    }

    func testExpiredScheduledMeetingsAreStoppedAndDeleted() async throws {
        try await TestServer.with { server in
        try await server.seed([alice, bob])
        try await server.app.test(.router) { client in
            let (_, bobStream) = server.hub.connect(userId: self.bob.id) { EventEncoding.websocketConnected(queueId: $0, sentDate: Date()) }
            let bobLog = MessageLog.collecting(bobStream)
            let clock = TestClock(Date(timeIntervalSince1970: 1_900_000_000))
            var logger = Logger(label: "expiration-tests")
            logger.logLevel = .critical
            let job = MeetingService(store: server.store, mediaPlane: server.plane, hub: server.hub, logger: logger, clock: { clock.now })

            // Three rooms: a running scheduled meeting expiring first, an idle one expiring later, a permanent one.
            var meetings: [String] = []
            for (type, expiration) in [("scheduled", "2030-03-17T11:00:00Z"), ("scheduled", "2030-03-17T12:00:00Z"), ("permanent", "2030-03-17T11:00:00Z")] {
                let room = try await client.execute(uri: "/rooms", method: .post, headers: server.headers(self.alice), body: .json(
                    #"{"type":"temporary","name":"T","members":[]}"#)) { try XCTUnwrap($0.jsonObject()["id"] as? String) }
                try await expectStatus(.created, await client.execute(uri: "/rooms/\(room)/members", method: .post, headers: server.headers(self.alice),
                    body: .json(#"[{"userId":"\#(self.bob.id.apiString)","owner":false,"historyCleared":false}]"#)))
                meetings.append(try await client.execute(uri: "/meetings", method: .post, headers: server.headers(self.alice), body: .json(
                    #"{"name":"M","meetingType":"\#(type)","roomId":"\#(room)","expiration":"\#(expiration)"}"#)) {
                    try XCTUnwrap($0.jsonObject()["id"] as? String)
                })
            }
            let ids = try meetings.map { try XCTUnwrap(UUID(uuidString: $0)) }
            try await expectStatus(.ok, await client.execute(uri: "/meetings/\(meetings[0])/start", method: .post, headers: server.headers(self.alice)))
            try await expectStatus(.ok, await client.execute(uri: "/meetings/\(meetings[0])/join", method: .post,
                                                             headers: server.headers(self.alice, queueId: UUID().apiString),
                                                             body: .json(#"{"audioStreamEnabled":false,"videoStreamEnabled":false}"#)))

            // Before any expiration: nothing happens.
            clock.now = try XCTUnwrap(APIDate.parse("2030-03-17T10:59:59Z"))
            let none = await job.expireMeetings()
            XCTAssertEqual(none, [])
            // The first expires exactly at its time: stopped (it runs) then deleted, with events.
            clock.now = try XCTUnwrap(APIDate.parse("2030-03-17T11:00:00Z"))
            let first = await job.expireMeetings()
            XCTAssertEqual(first, [ids[0]])
            await assertEventually { !bobLog.events("MEETING_DELETED").isEmpty }
            XCTAssertEqual(bobLog.types.suffix(3), ["MEETING_PARTICIPANT_JOINED", "MEETING_STOPPED", "MEETING_DELETED"])
            XCTAssertTrue(server.plane.calls.contains(.closeMeeting(meetingId: ids[0])))
            try await expectStatus(.notFound, await client.execute(uri: "/meetings/\(meetings[0])", method: .get, headers: server.headers(self.alice)))

            // Later: the idle scheduled one goes with MEETING_DELETED only; the permanent one stays.
            clock.now = try XCTUnwrap(APIDate.parse("2031-01-01T00:00:00Z"))
            let second = await job.expireMeetings()
            XCTAssertEqual(second, [ids[1]])
            await assertEventually { bobLog.events("MEETING_DELETED").count == 2 }
            XCTAssertEqual(bobLog.events("MEETING_STOPPED").count, 1)
            try await expectStatus(.ok, await client.execute(uri: "/meetings/\(meetings[2])", method: .get, headers: server.headers(self.alice)))
            let third = await job.expireMeetings()
            XCTAssertEqual(third, [])
        }
        }
    }

    func testTheServiceRunsTheJobPeriodically() async throws {
        try await TestServer.with { server in
        try await server.seed([alice])
        try await server.app.test(.router) { client in
            let room = try await client.execute(uri: "/rooms", method: .post, headers: server.headers(self.alice), body: .json(
                #"{"type":"temporary","name":"T"}"#)) { try XCTUnwrap($0.jsonObject()["id"] as? String) }
            let meeting = try await client.execute(uri: "/meetings", method: .post, headers: server.headers(self.alice), body: .json(
                #"{"name":"M","meetingType":"scheduled","roomId":"\#(room)","expiration":"2001-01-01T00:00:00Z"}"#)) {
                try XCTUnwrap($0.jsonObject()["id"] as? String)
            }
            var logger = Logger(label: "expiration-tests")
            logger.logLevel = .critical
            let meetings = MeetingService(store: server.store, mediaPlane: server.plane, hub: server.hub, logger: logger)
            let job = Task { try await MeetingExpirationService(meetings: meetings, interval: 0.05).run() }
            let gone = await eventually {
                server.plane.calls.contains(.closeMeeting(meetingId: UUID(uuidString: meeting)!))
            }
            job.cancel()
            try await job.value  // ends on cancellation without error
            XCTAssertTrue(gone, "the job deleted the expired meeting")
            try await expectStatus(.notFound, await client.execute(uri: "/meetings/\(meeting)", method: .get, headers: server.headers(self.alice)))
        }
        }
    }

    func testIssue3ConfigurationKeys() throws {
        let defaults = ParleyConfig()
        XCTAssertEqual(defaults.capabilities, Capabilities())
        XCTAssertEqual(defaults.capabilities.maxGroupMembers, 128)
        XCTAssertEqual(defaults.webSocketPingInterval, 15)
        XCTAssertEqual(defaults.expirationCheckInterval, 60)
        XCTAssertEqual(defaults.guestTokenTTL, 24 * 3600)
        let parsed = try ParleyConfig.parse(yaml: """
            capabilities:
              canVideoCallRecord: false
              maxGroupMembers: 20
              maxRoomImageSizeInKb: 1024
            websocket:
              pingInterval: 30
            meetings:
              expirationCheckInterval: 5.5
            auth:
              guestTokenTTLHours: 2
            """)
        var expected = Capabilities()
        expected.canVideoCallRecord = false
        expected.maxGroupMembers = 20
        expected.maxRoomImageSizeInKb = 1024
        XCTAssertEqual(parsed.capabilities, expected)
        XCTAssertEqual(parsed.webSocketPingInterval, 30)
        XCTAssertEqual(parsed.expirationCheckInterval, 5.5)
        XCTAssertEqual(parsed.guestTokenTTL, 7200)
        for yaml in ["capabilities: {maxGroupMembers: 1}", "capabilities: {editMessageTimeLimitInMinutes: -1}",
                     "capabilities: {canVideoCall: maybe}", "websocket: {pingInterval: 0}", "websocket: {pingInterval: -3}",
                     "meetings: {expirationCheckInterval: .nan}", "auth: {guestTokenTTLHours: 0}"] {
            XCTAssertThrowsError(try ParleyConfig.parse(yaml: yaml), yaml)
        }
    }

    func testCapabilitiesComeFromTheConfiguration() async throws {
        try await TestServer.with(configure: { $0.capabilities.maxGroupMembers = 3; $0.capabilities.canVideoCallRecord = false }) { server in
        let users = (0..<4).map { User(id: UUID(), name: "U\($0)") }
        try await server.seed([alice] + users)
        try await server.app.test(.router) { client in
            let capabilities = try await client.execute(uri: "/users/capabilities", method: .get, headers: server.headers(self.alice)) {
                try $0.jsonObject()
            }
            XCTAssertEqual(capabilities["maxGroupMembers"] as? Int, 3)
            XCTAssertEqual(capabilities["canVideoCallRecord"] as? Bool, false)
            let members = { (n: Int) in users.prefix(n).map { #"{"userId":"\#($0.id.apiString)"}"# }.joined(separator: ",") }
            try await expectStatus(.badRequest, await client.execute(uri: "/rooms", method: .post, headers: server.headers(self.alice),
                                                                     body: .json(#"{"type":"group","name":"G","members":[\#(members(4))]}"#)))
            let room = try await client.execute(uri: "/rooms", method: .post, headers: server.headers(self.alice),
                                                body: .json(#"{"type":"group","name":"G","members":[\#(members(2))]}"#)) {
                try XCTUnwrap($0.jsonObject()["id"] as? String)
            }
            // Three members: the group is full for insertion.
            try await expectStatus(.badRequest, await client.execute(uri: "/rooms/\(room)/members", method: .post, headers: server.headers(self.alice),
                body: .json(#"[{"userId":"\#(users[3].id.apiString)","owner":false,"historyCleared":false}]"#)))
        }
        }
    }
}
