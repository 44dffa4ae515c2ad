#if canImport(HummingbirdWSTesting)
import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdWSTesting
import Meetings
import XCTest
@testable import ParleyServer

/// The WSC web client's join sequence (spec §3.2) scripted over the live server: WebSocket →
/// create → start → join → audio offer → media → subscribe → answer → hand → queue accept →
/// leave, with the events each step must produce.
final class JoinSequenceTests: XCTestCase {
    let alice = User(id: UUID(), name: "Alice (moderator)")

    func testWSCClientJoinSequence() async throws {
        try await TestServer.with { server in
        try await server.seed([alice])
        try await server.app.test(.live) { client in
            // 1. WebSockets: the moderator and a guest created through the guest endpoint.
            let guest = try await client.execute(uri: "/users/guests", method: .post, body: .json(#"{"name":"Gus"}"#)) { try $0.jsonObject() }
            let guestToken = try XCTUnwrap(guest["zmToken"] as? String)
            let guestId = try XCTUnwrap(guest["id"] as? String)
            let aliceEvents = EventsClient(), guestEvents = EventsClient()
            aliceEvents.start(client, headers: try await server.headers(self.alice))
            guestEvents.start(client, headers: [.cookie: "ZM_AUTH_TOKEN=\(guestToken)"])
            let aliceQueueAnnounced = await aliceEvents.queueId()
            let guestQueueAnnounced = await guestEvents.queueId()
            let aliceQueue = try XCTUnwrap(aliceQueueAnnounced)
            let guestQueue = try XCTUnwrap(guestQueueAnnounced)
            let aliceHeaders = try await server.headers(self.alice, queueId: aliceQueue)
            var guestHeaders: HTTPFields = [.cookie: "ZM_AUTH_TOKEN=\(guestToken)"]
            guestHeaders[HTTPFields.Element.Name("queue-id")!] = guestQueue
            func call(_ method: HTTPRequest.Method, _ uri: String, _ headers: HTTPFields, _ body: String? = nil,
                      expect status: HTTPResponse.Status, line: UInt = #line) async throws -> TestResponse {
                let response = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { .json($0) })
                XCTAssertEqual(response.status, status, "\(method) \(uri)", line: line)
                return response
            }

            // 2. Create (a temporary room gets a scheduled meeting, as the client does) and start.
            let room = try await call(.post, "/rooms", aliceHeaders, #"{"type":"temporary","name":"Office hours"}"#, expect: .created).jsonObject()
            let roomId = try XCTUnwrap(room["id"] as? String)
            let meeting = try await call(.post, "/meetings", aliceHeaders,
                                         #"{"name":"Office hours","meetingType":"scheduled","roomId":"\#(roomId)","expiration":"2099-01-01T00:00:00Z"}"#,
                                         expect: .ok).jsonObject()
            let meetingId = try XCTUnwrap(meeting["id"] as? String)
            let m = "/meetings/\(meetingId)"
            let started = try await call(.post, "\(m)/start", aliceHeaders, expect: .ok).jsonObject()
            XCTAssertEqual(started["active"] as? Bool, true)

            // 3. Join (owner: accepted), 4. audio offer then mic state, camera publish.
            let joined = try await call(.post, "\(m)/join", aliceHeaders, #"{"audioStreamEnabled":true,"videoStreamEnabled":true}"#, expect: .ok)
            XCTAssertEqual(try joined.jsonObject() as NSDictionary, ["status": "ACCEPTED"] as NSDictionary)
            _ = try await call(.put, "\(m)/audio/offer", aliceHeaders, #"{"sdp":"v=0 alice-audio"}"#, expect: .noContent)
            _ = try await call(.put, "\(m)/audio", aliceHeaders, #"{"enabled":true}"#, expect: .noContent)
            _ = try await call(.put, "\(m)/media", aliceHeaders, #"{"type":"video","enabled":true,"sdp":"v=0 alice-video"}"#, expect: .noContent)
            await assertEventually(aliceEvents.log.types.description) {
                aliceEvents.log.events("MEETING_AUDIO_ANSWERED").count == 1 && aliceEvents.log.events("MEETING_SDP_ANSWERED").count == 1
            }
            XCTAssertEqual(aliceEvents.log.events("MEETING_AUDIO_ANSWERED").first?["sdp"] as? String, "audio-answer")

            // 5. GET the meeting; the owner of a scheduled meeting reads the queue.
            let current = try await call(.get, m, aliceHeaders, expect: .ok).jsonObject()
            let me = try XCTUnwrap((current["participants"] as? [[String: Any]])?.first)
            XCTAssertEqual(me["audioStreamEnabled"] as? Bool, true)
            XCTAssertEqual(me["videoStreamEnabled"] as? Bool, true)
            XCTAssertEqual(me["queueId"] as? String, aliceQueue)
            let emptyQueue = try await call(.get, "\(m)/queue", aliceHeaders, expect: .ok).jsonObject()
            XCTAssertEqual(emptyQueue as NSDictionary, ["users": []] as NSDictionary)

            // The guest's access page: GET meeting 403 → public name → join → WAITING.
            _ = try await call(.get, m, guestHeaders, expect: .forbidden)
            let publicMeeting = try await call(.get, "/public\(m)", guestHeaders, expect: .ok).jsonObject()
            XCTAssertEqual(publicMeeting["name"] as? String, "Office hours")
            let waiting = try await call(.post, "\(m)/join", guestHeaders, #"{"audioStreamEnabled":false,"videoStreamEnabled":false}"#, expect: .ok)
            XCTAssertEqual(try waiting.jsonObject() as NSDictionary, ["status": "WAITING"] as NSDictionary)
            await assertEventually { aliceEvents.log.events("MEETING_WAITING_PARTICIPANT_JOINED").count == 1 }
            let queue = try await call(.get, "\(m)/queue", aliceHeaders, expect: .ok).jsonObject()
            XCTAssertEqual(queue as NSDictionary, ["users": [guestId]] as NSDictionary)

            // Queue accept: the guest becomes a member, is told on its queue, and joins again.
            _ = try await call(.post, "\(m)/queue/\(guestId)", aliceHeaders, #"{"status":"ACCEPTED"}"#, expect: .noContent)
            await assertEventually(guestEvents.log.types.description) {
                guestEvents.log.events("MEETING_WAITING_PARTICIPANT_ACCEPTED").count == 1
            }
            XCTAssertEqual(guestEvents.log.types, ["websocketConnected", "ROOM_MEMBER_ADDED", "MEETING_WAITING_PARTICIPANT_ACCEPTED"])
            let admitted = try await call(.post, "\(m)/join", guestHeaders, #"{"audioStreamEnabled":false,"videoStreamEnabled":false}"#, expect: .ok)
            XCTAssertEqual(try admitted.jsonObject() as NSDictionary, ["status": "ACCEPTED"] as NSDictionary)
            _ = try await call(.put, "\(m)/audio/offer", guestHeaders, #"{"sdp":"v=0 guest-audio"}"#, expect: .noContent)

            // 6. Subscribe to the moderator's camera: offer and stream list arrive, the answer goes back.
            _ = try await call(.put, "\(m)/media/subscribe", guestHeaders,
                               #"{"subscribe":[{"userId":"\#(self.alice.id.apiString)","type":"video"}],"unsubscribe":[]}"#, expect: .noContent)
            await assertEventually { guestEvents.log.events("MEETING_PARTICIPANT_SUBSCRIBED").count == 1 }
            XCTAssertEqual(guestEvents.log.events("MEETING_SDP_OFFERED").first?["sdp"] as? String, "subscriber-offer")
            let streams = try XCTUnwrap(guestEvents.log.events("MEETING_PARTICIPANT_SUBSCRIBED").first?["streams"] as? [[String: Any]])
            XCTAssertEqual(streams.first?["userId"] as? String, self.alice.id.apiString)
            _ = try await call(.put, "\(m)/media/answer", guestHeaders, #"{"sdp":"v=0 guest-answer"}"#, expect: .noContent)

            // Hand: the guest raises, the moderator lowers it.
            _ = try await call(.put, "\(m)/hand", guestHeaders, #"{"raised":true}"#, expect: .noContent)
            _ = try await call(.put, "\(m)/hand", aliceHeaders, #"{"raised":false,"userToModerate":"\#(guestId)"}"#, expect: .noContent)
            await assertEventually { guestEvents.log.events("MEETING_PARTICIPANT_HAND_RAISED_LIST").count == 2 }
            XCTAssertEqual(guestEvents.log.events("MEETING_PARTICIPANT_HAND_RAISED_LIST").map { ($0["participants"] as? [String])?.count },
                           [1, 0])

            // 7. Leave: the guest, then the moderator; the meeting stops with the last one.
            _ = try await call(.post, "\(m)/leave", guestHeaders, expect: .noContent)
            _ = try await call(.post, "\(m)/leave", aliceHeaders, expect: .noContent)
            await assertEventually { aliceEvents.log.events("MEETING_STOPPED").count == 1 }
            let expectedModerator = [
                "websocketConnected", "ROOM_CREATED", "MEETING_CREATED", "MEETING_STARTED", "MEETING_PARTICIPANT_JOINED",
                "MEETING_AUDIO_ANSWERED", "MEETING_AUDIO_STREAM_CHANGED", "MEETING_SDP_ANSWERED", "MEETING_MEDIA_STREAM_CHANGED",
                "MEETING_WAITING_PARTICIPANT_JOINED", "ROOM_MEMBER_ADDED", "MEETING_WAITING_PARTICIPANT_ACCEPTED",
                "MEETING_PARTICIPANT_JOINED", "MEETING_PARTICIPANT_HAND_RAISED", "MEETING_PARTICIPANT_HAND_RAISED_LIST",
                "MEETING_PARTICIPANT_HAND_RAISED", "MEETING_PARTICIPANT_HAND_RAISED_LIST", "MEETING_PARTICIPANT_LEFT",
                "MEETING_PARTICIPANT_LEFT", "MEETING_STOPPED",
            ]
            XCTAssertEqual(aliceEvents.log.types, expectedModerator)
            let ended = try await call(.get, m, aliceHeaders, expect: .ok).jsonObject()
            XCTAssertEqual(ended["active"] as? Bool, false)
            let meetingUUID = try XCTUnwrap(UUID(uuidString: meetingId))
            XCTAssertEqual(server.plane.calls.last, .closeMeeting(meetingId: meetingUUID))
            await guestEvents.close()
            await aliceEvents.close()
        }
        }
    }
}
#endif
