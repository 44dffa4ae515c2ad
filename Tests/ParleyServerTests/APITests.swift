import Foundation
import Hummingbird
import HummingbirdTesting
import Meetings
import XCTest
@testable import ParleyServer

/// REST routes of the issue-2 slice through the router (spec §1.1–§1.3).
final class APITests: XCTestCase {
    let alice = User(id: UUID(), name: "Alice", email: "alice@example.com")
    let bob = User(id: UUID(), name: "Bob")
    let carol = User(id: UUID(), name: "Carol")
    let dave = User(id: UUID(), name: "Dave (not a member)")
    let gina = User(id: UUID(), name: "Gina (guest member)", type: .guest)

    /// A server with all users known and a group room (alice owner; bob, carol, gina members).
    func setUp(_ server: TestServer, client: some TestClientProtocol) async throws -> UUID {
        try await server.seed([alice, bob, carol, dave, gina])
        let body = """
            {"type":"group","name":"Design","description":"weekly","members":[
              {"userId":"\(bob.id.apiString)","owner":false},{"userId":"\(carol.id.apiString)"},{"userId":"\(gina.id.apiString)"}]}
            """
        return try await client.execute(uri: "/rooms", method: .post, headers: server.headers(alice), body: .json(body)) { response in
            XCTAssertEqual(response.status, .created)
            let id = try XCTUnwrap(response.jsonObject()["id"] as? String)
            return try XCTUnwrap(UUID(uuidString: id))
        }
    }

    func createMeeting(_ server: TestServer, _ client: some TestClientProtocol, room: UUID, type: String = "permanent") async throws -> UUID {
        let body = #"{"name":"Standup","meetingType":"\#(type)","roomId":"\#(room.apiString)"}"#
        return try await client.execute(uri: "/meetings", method: .post, headers: server.headers(alice), body: .json(body)) {
            XCTAssertEqual($0.status, .ok)
            return try XCTUnwrap(UUID(uuidString: XCTUnwrap($0.jsonObject()["id"] as? String)))
        }
    }

    func post(_ client: some TestClientProtocol, _ uri: String, _ headers: HTTPFields, _ body: String? = nil) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .post, headers: headers, body: body.map { .json($0) })
    }

    func put(_ client: some TestClientProtocol, _ uri: String, _ headers: HTTPFields, _ body: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .put, headers: headers, body: .json(body))
    }

    func get(_ client: some TestClientProtocol, _ uri: String, _ headers: HTTPFields) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .get, headers: headers)
    }

    static let joinBody = #"{"audioStreamEnabled":false,"videoStreamEnabled":true}"#

    // MARK: - Authentication

    func testAuthenticationIsRequiredEverywhere() async throws {
        try await TestServer.with { server in
        try await server.app.test(.router) { client in
            let room = try await self.setUp(server, client: client)
            let other = try await TokenService(secret: "another-secret-another-secret-another")
            let foreign = try await other.issue(for: self.alice, ttl: 60)
            let expired = try await server.tokens.issue(for: self.alice, ttl: -60)
            var badHeaders: [HTTPFields] = [[:]]
            for token in [foreign, expired, "garbage", ""] {
                var cookie = HTTPFields()
                cookie[.cookie] = "ZM_AUTH_TOKEN=\(token)"
                var bearer = HTTPFields()
                bearer[.authorization] = "Bearer \(token)"
                badHeaders += [cookie, bearer]
            }
            let id = UUID().apiString
            let routes: [(HTTPRequest.Method, String)] = [
                (.post, "/rooms"), (.get, "/rooms/\(room.apiString)"), (.get, "/meetings"), (.post, "/meetings"), (.get, "/meetings/\(id)"),
                (.post, "/meetings/\(id)/start"), (.post, "/meetings/\(id)/stop"), (.post, "/meetings/\(id)/join"),
                (.post, "/meetings/\(id)/leave"), (.put, "/meetings/\(id)/media"), (.put, "/meetings/\(id)/media/subscribe"),
                (.put, "/meetings/\(id)/media/answer"), (.get, "/events"),
            ]
            for headers in badHeaders {
                for (method, uri) in routes {
                    try await client.execute(uri: uri, method: method, headers: headers, body: .json("{}")) { response in
                        XCTAssertEqual(response.status, .unauthorized, "\(method) \(uri) \(headers)")
                        XCTAssertEqual(response.body.readableBytes, 0, "error bodies are empty")
                    }
                }
            }
            // Bearer works like the cookie; a plain GET /events without upgrade is 426.
            var bearer = HTTPFields()
            bearer[.authorization] = "Bearer \(try await server.token(self.alice))"
            try await expectStatus(.ok, await self.get(client, "/rooms/\(room.apiString)", bearer))
            try await expectStatus(.upgradeRequired, await self.get(client, "/events", bearer))
            // A queue-id that is not a UUID is 401 on any route (spec §1.1).
            try await expectStatus(.unauthorized, await self.get(client, "/rooms/\(room.apiString)", server.headers(self.alice, queueId: "nope")))
        }
        }
    }

    func testUsersAreRecordedWhenFirstSeen() async throws {
        try await TestServer.with { server in
        let newcomer = User(id: UUID(), name: "Newcomer", email: "n@example.com", type: .guest)
        try await server.app.test(.router) { client in
            let before = try await server.store.read { try await $0.user(id: newcomer.id) }
            XCTAssertNil(before)
            _ = try await self.get(client, "/rooms/\(UUID().apiString)", server.headers(newcomer))
            let after = try await server.store.read { try await $0.user(id: newcomer.id) }
            XCTAssertEqual(after, newcomer)
        }
        }
    }

    // MARK: - Rooms

    func testRooms() async throws {
        try await TestServer.with { server in
        try await server.app.test(.router) { client in
            let room = try await self.setUp(server, client: client)
            let response = try await self.get(client, "/rooms/\(room.apiString)", server.headers(self.bob))
            XCTAssertEqual(response.status, .ok)
            XCTAssertEqual(response.headers[.contentType], "application/json", "exactly, without charset (spec §1.1)")
            let json = try response.jsonObject()
            XCTAssertEqual(json["id"] as? String, room.apiString)
            XCTAssertEqual(json["name"] as? String, "Design")
            XCTAssertEqual(json["type"] as? String, "group")
            XCTAssertNil(json["meetingId"], "nulls are omitted")
            XCTAssertNil(json["pictureUpdatedAt"])
            let members = try XCTUnwrap(json["members"] as? [[String: Any]])
            XCTAssertEqual(members.map { $0["userId"] as? String }, [self.alice, self.bob, self.carol, self.gina].map { $0.id.apiString })
            XCTAssertEqual(members.map { $0["owner"] as? Bool }, [true, false, false, false])
            XCTAssertEqual((json["userSettings"] as? [String: Any])?["muted"] as? Bool, false)
            let created = try XCTUnwrap(json["createdAt"] as? String)
            XCTAssertTrue(created.hasSuffix("Z"), created)

            try await expectStatus(.forbidden, await self.get(client, "/rooms/\(room.apiString)", server.headers(self.dave)))
            try await expectStatus(.notFound, await self.get(client, "/rooms/\(UUID().apiString)", server.headers(self.bob)))
            try await expectStatus(.notFound, await self.get(client, "/rooms/not-a-uuid", server.headers(self.bob)))

            let members2 = #"[{"userId":"\#(self.bob.id.apiString)"},{"userId":"\#(self.carol.id.apiString)"}]"#
            let cases: [(User, String, HTTPResponse.Status)] = [
                (self.gina, #"{"type":"group","name":"G","members":\#(members2)}"#, .forbidden),
                (self.alice, #"{"type":"group","name":"G","members":"#, .badRequest),
                (self.alice, #"{"name":"G","members":\#(members2)}"#, .badRequest),
                (self.alice, #"{"type":"circle","name":"G","members":\#(members2)}"#, .badRequest),
                (self.alice, #"{"type":"group","members":\#(members2)}"#, .badRequest),
                (self.alice, #"{"type":"group","name":"G","members":[{"userId":"\#(self.bob.id.apiString)"}]}"#, .badRequest),
                (self.alice, #"{"type":"group","name":"G","members":[{"userId":"x"},{"userId":"y"}]}"#, .badRequest),
                (self.alice, #"{"type":"group","name":"G","members":[{"userId":"\#(UUID().apiString)"},{"userId":"\#(self.bob.id.apiString)"}]}"#, .notFound),
                (self.alice, #"{"type":"one_to_one","members":[{"userId":"\#(self.bob.id.apiString)"}]}"#, .created),
                (self.alice, #"{"type":"ONE_TO_ONE","members":[{"userId":"\#(self.bob.id.apiString)"}]}"#, .conflict),
                (self.alice, #"{"type":"temporary","name":"T","extra":"ignored"}"#, .created),
            ]
            for (user, body, status) in cases {
                let response = try await self.post(client, "/rooms", server.headers(user), body)
                XCTAssertEqual(response.status, status, body)
                if status != .created { XCTAssertEqual(response.body.readableBytes, 0, body) }
            }
        }
        }
    }

    // MARK: - Meetings

    func testMeetingLifecycleAndJoin() async throws {
        try await TestServer.with { server in
        try await server.app.test(.router) { client in
            let room = try await self.setUp(server, client: client)
            let meeting = try await self.createMeeting(server, client, room: room)
            let m = "/meetings/\(meeting.apiString)"
            let (qa, qb) = (UUID().apiString, UUID().apiString)

            // Create: 200 with the meeting; second create 409; guest 403; stranger 403; bad bodies 400; unknown room 404.
            let json = try await self.get(client, m, server.headers(self.carol)).jsonObject()
            XCTAssertEqual(json["active"] as? Bool, false)
            XCTAssertEqual(json["meetingType"] as? String, "permanent")
            XCTAssertEqual(json["roomId"] as? String, room.apiString)
            XCTAssertEqual((json["participants"] as? [Any])?.count, 0)
            XCTAssertNil(json["startedAt"])
            let roomJSON = try await self.get(client, "/rooms/\(room.apiString)", server.headers(self.bob)).jsonObject()
            XCTAssertEqual(roomJSON["meetingId"] as? String, meeting.apiString)
            let createCases: [(User, String, HTTPResponse.Status)] = [
                (self.alice, #"{"name":"x","meetingType":"permanent","roomId":"\#(room.apiString)"}"#, .conflict),
                (self.gina, #"{"name":"x","meetingType":"permanent","roomId":"\#(room.apiString)"}"#, .forbidden),
                (self.alice, #"{"name":"x","meetingType":"permanent"}"#, .badRequest),
                (self.alice, #"{"name":"x","meetingType":"weekly","roomId":"\#(room.apiString)"}"#, .badRequest),
                (self.alice, #"{"meetingType":"permanent","roomId":"\#(room.apiString)"}"#, .badRequest),
                (self.alice, #"{"name":"x","meetingType":"permanent","roomId":"\#(UUID().apiString)"}"#, .notFound),
                (self.dave, #"{"name":"x","meetingType":"permanent","roomId":"\#(room.apiString)"}"#, .forbidden),
            ]
            for (user, body, status) in createCases {
                try await expectStatus(status, await self.post(client, "/meetings", server.headers(user), body), body)
            }
            // GET /meetings lists the meetings of the caller's rooms only.
            let listed = try await self.get(client, "/meetings", server.headers(self.bob))
            XCTAssertEqual(listed.status, .ok)
            XCTAssertEqual(listed.headers[.contentType], "application/json")
            let list = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(listed.body.readableBytesView)) as? [[String: Any]])
            XCTAssertEqual(list.map { $0["id"] as? String }, [meeting.apiString])
            let strangerList = try await self.get(client, "/meetings", server.headers(self.dave))
            XCTAssertEqual(String(buffer: strangerList.body), "[]")
            try await expectStatus(.forbidden, await self.get(client, m, server.headers(self.dave)))
            try await expectStatus(.notFound, await self.get(client, "/meetings/\(UUID().apiString)", server.headers(self.bob)))
            try await expectStatus(.notFound, await self.get(client, "/meetings/123", server.headers(self.bob)))

            // Join before start: 424 (spec §8.6).
            try await expectStatus(HTTPResponse.Status(code: 424), await self.post(client, "\(m)/join", server.headers(self.bob, queueId: qb), Self.joinBody))
            // Start: guest 403, stranger 403 (and nothing changes), member 200.
            try await expectStatus(.forbidden, await self.post(client, "\(m)/start", server.headers(self.gina)))
            try await expectStatus(.forbidden, await self.post(client, "\(m)/start", server.headers(self.dave)))
            let notStarted = try await self.get(client, m, server.headers(self.bob)).jsonObject()
            XCTAssertEqual(notStarted["active"] as? Bool, false)
            let started = try await self.post(client, "\(m)/start", server.headers(self.bob))
            XCTAssertEqual(started.status, .ok)
            XCTAssertEqual(started.headers[.contentType], "application/json")
            XCTAssertEqual(try started.jsonObject()["active"] as? Bool, true)
            XCTAssertNotNil(try started.jsonObject()["startedAt"] as? String)

            // Join: missing queue-id 400 (deliberate fix), bad body 400 without state change, stranger 403.
            try await expectStatus(.badRequest, await self.post(client, "\(m)/join", server.headers(self.bob), Self.joinBody))
            for body in ["", "{", #"{"audioStreamEnabled":true}"#, #"{"audioStreamEnabled":"yes","videoStreamEnabled":true}"#, "[]"] {
                try await expectStatus(.badRequest, await self.post(client, "\(m)/join", server.headers(self.bob, queueId: qb), body), body)
            }
            let afterBadJoins = try await self.get(client, m, server.headers(self.bob)).jsonObject()
            XCTAssertEqual((afterBadJoins["participants"] as? [Any])?.count, 0, "bad bodies change nothing")
            try await expectStatus(.forbidden, await self.post(client, "\(m)/join", server.headers(self.dave, queueId: qb), Self.joinBody))
            try await expectStatus(.notFound, await self.post(client, "/meetings/\(UUID().apiString)/join", server.headers(self.bob, queueId: qb), Self.joinBody))

            // Accepted joins; the same queue again is 409.
            let joined = try await self.post(client, "\(m)/join", server.headers(self.bob, queueId: qb), Self.joinBody)
            XCTAssertEqual(joined.status, .ok)
            XCTAssertEqual(joined.headers[.contentType], "application/json")
            XCTAssertEqual(try joined.jsonObject() as NSDictionary, ["status": "ACCEPTED"] as NSDictionary)
            try await expectStatus(.conflict, await self.post(client, "\(m)/join", server.headers(self.bob, queueId: qb), Self.joinBody))
            try await expectStatus(.ok, await self.post(client, "\(m)/join", server.headers(self.gina, queueId: qa), Self.joinBody))
            let meetingJSON = try await self.get(client, m, server.headers(self.alice)).jsonObject()
            let participants = try XCTUnwrap(meetingJSON["participants"] as? [[String: Any]])
            XCTAssertEqual(participants.map { $0["userId"] as? String }, [self.bob.id.apiString, self.gina.id.apiString])
            XCTAssertEqual(participants.first?["queueId"] as? String, qb)
            XCTAssertEqual(participants.first?["videoStreamEnabled"] as? Bool, false)
            XCTAssertNil(participants.first?["handRaisedAt"])

            // Leave: stranger 403; non-participant 204; participants leave; the last one stops the meeting.
            try await expectStatus(.forbidden, await self.post(client, "\(m)/leave", server.headers(self.dave)))
            try await expectStatus(.noContent, await self.post(client, "\(m)/leave", server.headers(self.carol)))
            try await expectStatus(.noContent, await self.post(client, "\(m)/leave", server.headers(self.bob)))
            let afterBob = try await self.get(client, m, server.headers(self.alice)).jsonObject()
            XCTAssertEqual(afterBob["active"] as? Bool, true)
            try await expectStatus(.noContent, await self.post(client, "\(m)/leave", server.headers(self.gina)))
            let stopped = try await self.get(client, m, server.headers(self.alice)).jsonObject()
            XCTAssertEqual(stopped["active"] as? Bool, false)
            XCTAssertNil(stopped["startedAt"])
            XCTAssertEqual(server.plane.calls, [
                .removeParticipant(meetingId: meeting, userId: self.bob.id),
                .removeParticipant(meetingId: meeting, userId: self.gina.id),
                .closeMeeting(meetingId: meeting),
            ])

            // Explicit stop: guest/stranger 403, member 200 (also when inactive).
            try await expectStatus(.forbidden, await self.post(client, "\(m)/stop", server.headers(self.gina)))
            try await expectStatus(.forbidden, await self.post(client, "\(m)/stop", server.headers(self.dave)))
            let stop = try await self.post(client, "\(m)/stop", server.headers(self.carol))
            XCTAssertEqual(stop.status, .ok)
            XCTAssertEqual(try stop.jsonObject()["active"] as? Bool, false)
        }
        }
    }

    func testEventRecipients() async throws {
        try await TestServer.with { server in
        try await server.app.test(.router) { client in
            // Connections as the WebSocket would register them: bob twice (two tabs).
            func connect(_ user: User) -> (UUID, MessageLog) {
                let (queue, stream) = server.hub.connect(userId: user.id) { EventEncoding.websocketConnected(queueId: $0, sentDate: Date()) }
                return (queue, MessageLog.collecting(stream))
            }
            let (qAlice, alice) = connect(self.alice)
            let (qBob1, bob1) = connect(self.bob)
            let (qBob2, bob2) = connect(self.bob)
            let (_, dave) = connect(self.dave)
            let room = try await self.setUp(server, client: client)
            let meeting = try await self.createMeeting(server, client, room: room)
            let m = "/meetings/\(meeting.apiString)"
            _ = try await self.post(client, "\(m)/start", server.headers(self.alice))
            _ = try await self.post(client, "\(m)/join", server.headers(self.alice, queueId: qAlice.apiString), Self.joinBody)
            _ = try await self.post(client, "\(m)/join", server.headers(self.bob, queueId: qBob1.apiString), Self.joinBody)
            // Bob joins again from his second tab: clash.
            _ = try await self.post(client, "\(m)/join", server.headers(self.bob, queueId: qBob2.apiString), Self.joinBody)

            let expectedAlice = ["websocketConnected", "ROOM_CREATED", "MEETING_CREATED", "MEETING_STARTED", "MEETING_PARTICIPANT_JOINED",
                                 "MEETING_PARTICIPANT_JOINED", "MEETING_PARTICIPANT_LEFT", "MEETING_PARTICIPANT_JOINED"]
            await assertEventually("\(alice.types)") { alice.types == expectedAlice }
            var expectedOldTab = expectedAlice
            expectedOldTab.insert("MEETING_PARTICIPANT_CLASHED", at: expectedAlice.count - 1)
            await assertEventually("\(bob1.types)") { bob1.types == expectedOldTab }
            await assertEventually("\(bob2.types)") { bob2.types == expectedAlice }
            XCTAssertEqual(bob1.events("MEETING_PARTICIPANT_CLASHED").count, 1, "the old queue is told")
            XCTAssertEqual(bob2.events("MEETING_PARTICIPANT_CLASHED").count, 0, "the new queue is not")
            XCTAssertEqual(dave.types, ["websocketConnected"], "non-members get nothing")

            let startedEvent = try XCTUnwrap(alice.events("MEETING_STARTED").first)
            XCTAssertEqual(startedEvent["meetingId"] as? String, meeting.apiString)
            XCTAssertEqual(startedEvent["starterUser"] as? String, self.alice.id.apiString)
            XCTAssertNotNil(startedEvent["startedAt"] as? String)
            XCTAssertTrue((startedEvent["sentDate"] as? String)?.hasSuffix("Z") == true)
            let createdEvent = try XCTUnwrap(alice.events("MEETING_CREATED").first)
            XCTAssertEqual(createdEvent["roomId"] as? String, room.apiString)
            XCTAssertEqual(server.plane.calls, [.removeParticipant(meetingId: meeting, userId: self.bob.id)], "clash tears down the old session")
            let meetingJSON = try await self.get(client, m, server.headers(self.alice)).jsonObject()
            let participants = try XCTUnwrap(meetingJSON["participants"] as? [[String: Any]])
            XCTAssertEqual(participants.last?["queueId"] as? String, qBob2.apiString)
        }
        }
    }

    // MARK: - Media

    func testMediaPublishAndSubscribe() async throws {
        try await TestServer.with { server in
        try await server.app.test(.router) { client in
            let room = try await self.setUp(server, client: client)
            let meeting = try await self.createMeeting(server, client, room: room)
            let m = "/meetings/\(meeting.apiString)"
            let (qAlice, aliceStream) = server.hub.connect(userId: self.alice.id) { EventEncoding.websocketConnected(queueId: $0, sentDate: Date()) }
            let (qBob, bobStream) = server.hub.connect(userId: self.bob.id) { EventEncoding.websocketConnected(queueId: $0, sentDate: Date()) }
            let (aliceLog, bobLog) = (MessageLog.collecting(aliceStream), MessageLog.collecting(bobStream))
            let (_, carolStream) = server.hub.connect(userId: self.carol.id) { EventEncoding.websocketConnected(queueId: $0, sentDate: Date()) }
            let carolLog = MessageLog.collecting(carolStream)
            _ = try await self.post(client, "\(m)/start", server.headers(self.alice))
            _ = try await self.post(client, "\(m)/join", server.headers(self.alice, queueId: qAlice.apiString), Self.joinBody)
            _ = try await self.post(client, "\(m)/join", server.headers(self.bob, queueId: qBob.apiString), Self.joinBody)

            // Body errors first (400), then participant (404).
            let media = "\(m)/media"
            try await expectStatus(.badRequest, await self.put(client, media, server.headers(self.alice), #"{"type":"video","enabled":true}"#))
            try await expectStatus(.badRequest, await self.put(client, media, server.headers(self.alice), #"{"type":"audio","enabled":false}"#))
            try await expectStatus(.badRequest, await self.put(client, media, server.headers(self.alice), #"{"type":"video""#))
            try await expectStatus(.notFound, await self.put(client, media, server.headers(self.carol), #"{"type":"video","enabled":true,"sdp":"v=0"}"#))
            try await expectStatus(.notFound, await self.put(client, "/meetings/\(UUID().apiString)/media", server.headers(self.alice),
                                                             #"{"type":"video","enabled":true,"sdp":"v=0"}"#))
            // SDP refused by the media plane: 400 with the reason, nothing changes.
            let refused = try await self.put(client, media, server.headers(self.alice), #"{"type":"video","enabled":true,"sdp":"bad offer"}"#)
            XCTAssertEqual(refused.status, .badRequest)
            XCTAssertEqual(String(buffer: refused.body), "no a=fingerprint line")
            XCTAssertEqual(refused.headers[.contentType], "text/plain; charset=utf-8")
            let down = try await self.put(client, media, server.headers(self.alice), #"{"type":"video","enabled":true,"sdp":"down"}"#)
            XCTAssertEqual(down.status, HTTPResponse.Status(code: 424))
            let unchangedJSON = try await self.get(client, m, server.headers(self.alice)).jsonObject()
            let unchanged = try XCTUnwrap(unchangedJSON["participants"] as? [[String: Any]])
            XCTAssertEqual(unchanged.first?["videoStreamEnabled"] as? Bool, false)
            XCTAssertTrue(server.plane.calls.isEmpty, "\(server.plane.calls)")

            // Publish: 204, answer to alice, stream change to participants (not to carol, who is not participating).
            let published = try await self.put(client, media, server.headers(self.alice), #"{"type":"VIDEO","enabled":true,"sdp":"v=0 offer"}"#)
            XCTAssertEqual(published.status, .noContent)
            XCTAssertEqual(server.plane.calls, [.publish(meetingId: meeting, userId: self.alice.id, type: .video, offer: "v=0 offer")])
            await assertEventually { aliceLog.events("MEETING_MEDIA_STREAM_CHANGED").count == 1 }
            let answered = try XCTUnwrap(aliceLog.events("MEETING_SDP_ANSWERED").first)
            XCTAssertEqual(answered["sdp"] as? String, "answer-for-video")
            XCTAssertEqual(answered["mediaType"] as? String, "VIDEO")
            XCTAssertEqual(answered["userId"] as? String, self.alice.id.apiString)
            XCTAssertEqual(answered["meetingId"] as? String, meeting.apiString)
            await assertEventually { bobLog.events("MEETING_MEDIA_STREAM_CHANGED").count == 1 }
            let changed = try XCTUnwrap(bobLog.events("MEETING_MEDIA_STREAM_CHANGED").first)
            XCTAssertEqual(changed["active"] as? Bool, true)
            XCTAssertEqual(changed["mediaType"] as? String, "VIDEO")
            XCTAssertEqual(bobLog.events("MEETING_SDP_ANSWERED").count, 0, "the answer goes to the publisher only")
            XCTAssertEqual(carolLog.events("MEETING_MEDIA_STREAM_CHANGED").count, 0)
            XCTAssertEqual(aliceLog.types.suffix(2), ["MEETING_SDP_ANSWERED", "MEETING_MEDIA_STREAM_CHANGED"])
            // Same state again: silent no-op.
            try await expectStatus(.noContent, await self.put(client, media, server.headers(self.alice), #"{"type":"video","enabled":true,"sdp":"again"}"#))
            XCTAssertEqual(server.plane.calls.count, 1)

            // Subscribe: both lists empty 400, non-participant 404, bad user id 400; then offer + streams to bob.
            let subscribe = "\(m)/media/subscribe"
            try await expectStatus(.badRequest, await self.put(client, subscribe, server.headers(self.bob), #"{"subscribe":[],"unsubscribe":[]}"#))
            try await expectStatus(.badRequest, await self.put(client, subscribe, server.headers(self.bob), #"{"subscribe":[]}"#))
            try await expectStatus(.badRequest, await self.put(client, subscribe, server.headers(self.bob), #"{"subscribe":[{"userId":"x","type":"video"}],"unsubscribe":[]}"#))
            let streams = #"{"subscribe":[{"userId":"\#(self.alice.id.apiString)","type":"video"}],"unsubscribe":[]}"#
            try await expectStatus(.notFound, await self.put(client, subscribe, server.headers(self.carol), streams))
            try await expectStatus(.noContent, await self.put(client, subscribe, server.headers(self.bob), streams))
            XCTAssertEqual(server.plane.calls.last, .updateSubscriptions(
                meetingId: meeting, userId: self.bob.id, subscribe: [MediaStreamRef(userId: self.alice.id, type: .video)], unsubscribe: []))
            await assertEventually { bobLog.events("MEETING_PARTICIPANT_SUBSCRIBED").count == 1 }
            let offered = try XCTUnwrap(bobLog.events("MEETING_SDP_OFFERED").first)
            XCTAssertEqual(offered["sdp"] as? String, "subscriber-offer")
            XCTAssertEqual(offered["mediaType"] as? String, "VIDEO")
            let subscribed = try XCTUnwrap(bobLog.events("MEETING_PARTICIPANT_SUBSCRIBED").first)
            let streamList = try XCTUnwrap(subscribed["streams"] as? [[String: Any]])
            XCTAssertEqual(streamList.count, 1)
            XCTAssertEqual(streamList.first?["type"] as? String, "video")
            XCTAssertEqual(streamList.first?["userId"] as? String, self.alice.id.apiString)
            XCTAssertEqual(streamList.first?["mid"] as? String, "0")
            XCTAssertEqual(aliceLog.events("MEETING_SDP_OFFERED").count, 0)

            // Answer: bad JSON 400, refused SDP 400 with reason, ok 204.
            let answer = "\(m)/media/answer"
            try await expectStatus(.badRequest, await self.put(client, answer, server.headers(self.bob), #"{"sdp":1}"#))
            try await expectStatus(.notFound, await self.put(client, answer, server.headers(self.carol), #"{"sdp":"v=0"}"#))
            let badAnswer = try await self.put(client, answer, server.headers(self.bob), #"{"sdp":"bad"}"#)
            XCTAssertEqual(badAnswer.status, .badRequest)
            XCTAssertEqual(String(buffer: badAnswer.body), "no a=fingerprint line")
            try await expectStatus(.noContent, await self.put(client, answer, server.headers(self.bob), #"{"sdp":"v=0 answer"}"#))
            XCTAssertEqual(server.plane.calls.last, .applySubscriberAnswer(meetingId: meeting, userId: self.bob.id, answer: "v=0 answer"))

            // Disable: 204, unpublish, active:false to participants.
            try await expectStatus(.noContent, await self.put(client, media, server.headers(self.alice), #"{"type":"video","enabled":false}"#))
            XCTAssertEqual(server.plane.calls.last, .unpublish(meetingId: meeting, userId: self.alice.id, type: .video))
            await assertEventually { bobLog.events("MEETING_MEDIA_STREAM_CHANGED").count == 2 }
            XCTAssertEqual(bobLog.events("MEETING_MEDIA_STREAM_CHANGED").last?["active"] as? Bool, false)
        }
        }
    }
}
