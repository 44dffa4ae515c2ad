import Foundation
import Hummingbird
import HummingbirdTesting
import Meetings
import XCTest
@testable import ParleyServer

/// Audio, hand, recording, meeting deletion, public and room-meeting reads, and the media
/// plane's own events, through the router (spec §1.2 M4, M14–M20, §2.5, §2.6, §3.5).
final class ModerationAPITests: XCTestCase {
    let owner = User(id: UUID(), name: "Owner")
    let member = User(id: UUID(), name: "Member")
    let listener = User(id: UUID(), name: "Listener (member, not participating)")
    let guest = User(id: UUID(), name: "Guest", type: .guest)

    /// A started permanent meeting of a group room (owner; member, listener, guest) that owner
    /// and member have joined; every user has one hub connection.
    struct Setup {
        var room: String
        var meeting: String
        var logs: [UUID: MessageLog]
        var queues: [UUID: UUID]
    }

    func setUp(_ server: TestServer, _ client: some TestClientProtocol, type: String = "permanent") async throws -> Setup {
        try await server.seed([owner, member, listener, guest])
        var logs: [UUID: MessageLog] = [:], queues: [UUID: UUID] = [:]
        for user in [owner, member, listener, guest] {
            let (queue, stream) = server.hub.connect(userId: user.id) { EventEncoding.websocketConnected(queueId: $0, sentDate: Date()) }
            logs[user.id] = MessageLog.collecting(stream)
            queues[user.id] = queue
        }
        let roomBody = #"{"type":"group","name":"Room","members":[{"userId":"\#(member.id.apiString)"},{"userId":"\#(listener.id.apiString)"},{"userId":"\#(guest.id.apiString)"}]}"#
        let room = try await client.execute(uri: "/rooms", method: .post, headers: server.headers(owner), body: .json(roomBody)) {
            try XCTUnwrap($0.jsonObject()["id"] as? String)
        }
        let meeting = try await client.execute(uri: "/meetings", method: .post, headers: server.headers(owner), body: .json(
            #"{"name":"Standup","meetingType":"\#(type)","roomId":"\#(room)"}"#)) { try XCTUnwrap($0.jsonObject()["id"] as? String) }
        try await expectStatus(.ok, await client.execute(uri: "/meetings/\(meeting)/start", method: .post, headers: server.headers(owner)))
        for user in [owner, member] {
            let headers = try await server.headers(user, queueId: queues[user.id]?.apiString)
            try await expectStatus(.ok, await client.execute(uri: "/meetings/\(meeting)/join", method: .post, headers: headers,
                                                             body: .json(#"{"audioStreamEnabled":true,"videoStreamEnabled":false}"#)))
        }
        return Setup(room: room, meeting: meeting, logs: logs, queues: queues)
    }

    func put(_ client: some TestClientProtocol, _ server: TestServer, _ user: User, _ uri: String, _ body: String) async throws -> TestResponse {
        try await client.execute(uri: uri, method: .put, headers: server.headers(user), body: .json(body))
    }

    func testAudioOfferAndMuting() async throws {
        try await TestServer.with { server in
        try await server.app.test(.router) { client in
            let s = try await self.setUp(server, client)
            let m = "/meetings/\(s.meeting)"
            let meetingId = try XCTUnwrap(UUID(uuidString: s.meeting))
            let memberLog = try XCTUnwrap(s.logs[self.member.id]), ownerLog = try XCTUnwrap(s.logs[self.owner.id])
            let listenerLog = try XCTUnwrap(s.logs[self.listener.id])

            // Offer: body errors 400, non-participant 404, refused SDP 400 with reason / 424; then the answer event.
            try await expectStatus(.badRequest, await self.put(client, server, self.member, "\(m)/audio/offer", #"{"sdp":""}"#))
            try await expectStatus(.badRequest, await self.put(client, server, self.member, "\(m)/audio/offer", #"{}"#))
            try await expectStatus(.notFound, await self.put(client, server, self.listener, "\(m)/audio/offer", #"{"sdp":"v=0"}"#))
            let refused = try await self.put(client, server, self.member, "\(m)/audio/offer", #"{"sdp":"bad"}"#)
            XCTAssertEqual(refused.status, .badRequest)
            XCTAssertEqual(String(buffer: refused.body), "no a=fingerprint line")
            try await expectStatus(HTTPResponse.Status(code: 424), await self.put(client, server, self.member, "\(m)/audio/offer", #"{"sdp":"down"}"#))
            try await expectStatus(.noContent, await self.put(client, server, self.member, "\(m)/audio/offer", #"{"sdp":"v=0 audio"}"#))
            XCTAssertEqual(Array(server.plane.calls.suffix(2)), [
                .audioOffer(meetingId: meetingId, userId: self.member.id, offer: "v=0 audio"),
                .setAudioEnabled(meetingId: meetingId, userId: self.member.id, enabled: false),
            ], "the mixer gets the participant's current (muted) state right after the answer")
            await assertEventually { memberLog.events("MEETING_AUDIO_ANSWERED").count == 1 }
            let answered = try XCTUnwrap(memberLog.events("MEETING_AUDIO_ANSWERED").first)
            XCTAssertEqual(answered["sdp"] as? String, "audio-answer")
            XCTAssertEqual(answered["meetingId"] as? String, s.meeting)
            XCTAssertEqual(answered["userId"] as? String, self.member.id.apiString)
            XCTAssertEqual(ownerLog.events("MEETING_AUDIO_ANSWERED").count, 0, "the answer goes to its user only")

            // Unmute self: event to participants (not to the listener), mixer told.
            try await expectStatus(.badRequest, await self.put(client, server, self.member, "\(m)/audio", #"{"enabled":"yes"}"#))
            try await expectStatus(.badRequest, await self.put(client, server, self.member, "\(m)/audio", #"{"enabled":false,"userToModerate":"x"}"#))
            try await expectStatus(.noContent, await self.put(client, server, self.member, "\(m)/audio", #"{"enabled":true}"#))
            XCTAssertEqual(server.plane.calls.last, .setAudioEnabled(meetingId: meetingId, userId: self.member.id, enabled: true))
            await assertEventually { ownerLog.events("MEETING_AUDIO_STREAM_CHANGED").count == 1 }
            let changed = try XCTUnwrap(ownerLog.events("MEETING_AUDIO_STREAM_CHANGED").first)
            XCTAssertEqual(changed["userId"] as? String, self.member.id.apiString)
            XCTAssertEqual(changed["active"] as? Bool, true)
            XCTAssertNil(changed["moderatorId"])
            XCTAssertEqual(listenerLog.events("MEETING_AUDIO_STREAM_CHANGED").count, 0)
            let callsBefore = server.plane.calls.count
            try await expectStatus(.noContent, await self.put(client, server, self.member, "\(m)/audio", #"{"enabled":true}"#))
            XCTAssertEqual(server.plane.calls.count, callsBefore, "unchanged state is a silent no-op")

            // The moderator mutes the member; nobody can unmute someone else; a member cannot moderate.
            let target = self.member.id.apiString
            try await expectStatus(.badRequest, await self.put(client, server, self.owner, "\(m)/audio", #"{"enabled":true,"userToModerate":"\#(target)"}"#))
            try await expectStatus(.forbidden, await self.put(client, server, self.member, "\(m)/audio",
                                                              #"{"enabled":false,"userToModerate":"\#(self.owner.id.apiString)"}"#))
            try await expectStatus(.notFound, await self.put(client, server, self.owner, "\(m)/audio",
                                                             #"{"enabled":false,"userToModerate":"\#(self.listener.id.apiString)"}"#))
            try await expectStatus(.noContent, await self.put(client, server, self.owner, "\(m)/audio", #"{"enabled":false,"userToModerate":"\#(target)"}"#))
            await assertEventually { memberLog.events("MEETING_AUDIO_STREAM_CHANGED").count == 2 }
            let muted = try XCTUnwrap(memberLog.events("MEETING_AUDIO_STREAM_CHANGED").last)
            XCTAssertEqual(muted["active"] as? Bool, false)
            XCTAssertEqual(muted["moderatorId"] as? String, self.owner.id.apiString)
            XCTAssertEqual(server.plane.calls.last, .setAudioEnabled(meetingId: meetingId, userId: self.member.id, enabled: false))
            let json = try await client.execute(uri: m, method: .get, headers: server.headers(self.owner)) { try $0.jsonObject() }
            let participants = try XCTUnwrap(json["participants"] as? [[String: Any]])
            XCTAssertEqual(participants.first { $0["userId"] as? String == target }?["audioStreamEnabled"] as? Bool, false)
        }
        }
    }

    func testHandsAndTheOrderedList() async throws {
        try await TestServer.with { server in
        try await server.app.test(.router) { client in
            let s = try await self.setUp(server, client)
            let m = "/meetings/\(s.meeting)"
            let ownerLog = try XCTUnwrap(s.logs[self.owner.id])
            try await expectStatus(.badRequest, await self.put(client, server, self.member, "\(m)/hand", #"{"up":true}"#))
            try await expectStatus(.notFound, await self.put(client, server, self.listener, "\(m)/hand", #"{"raised":true}"#))
            try await expectStatus(.noContent, await self.put(client, server, self.member, "\(m)/hand", #"{"raised":true}"#))
            try await expectStatus(.noContent, await self.put(client, server, self.owner, "\(m)/hand", #"{"raised":true}"#))
            await assertEventually { ownerLog.events("MEETING_PARTICIPANT_HAND_RAISED_LIST").count == 2 }
            XCTAssertEqual(ownerLog.events("MEETING_PARTICIPANT_HAND_RAISED_LIST").last?["participants"] as? [String],
                           [self.member.id.apiString, self.owner.id.apiString])
            let raised = try XCTUnwrap(ownerLog.events("MEETING_PARTICIPANT_HAND_RAISED").first)
            XCTAssertEqual(raised["raised"] as? Bool, true)
            XCTAssertNotNil(raised["handRaisedAt"] as? String)
            let json = try await client.execute(uri: m, method: .get, headers: server.headers(self.owner)) { try $0.jsonObject() }
            let participants = try XCTUnwrap(json["participants"] as? [[String: Any]])
            XCTAssertEqual(participants.compactMap { $0["handRaisedAt"] as? String }.count, 2)

            // Only the moderator lowers someone else's hand, and nobody raises it.
            let memberId = self.member.id.apiString
            try await expectStatus(.badRequest, await self.put(client, server, self.owner, "\(m)/hand", #"{"raised":true,"userToModerate":"\#(memberId)"}"#))
            try await expectStatus(.forbidden, await self.put(client, server, self.member, "\(m)/hand",
                                                              #"{"raised":false,"userToModerate":"\#(self.owner.id.apiString)"}"#))
            try await expectStatus(.noContent, await self.put(client, server, self.owner, "\(m)/hand", #"{"raised":false,"userToModerate":"\#(memberId)"}"#))
            await assertEventually { ownerLog.events("MEETING_PARTICIPANT_HAND_RAISED_LIST").count == 3 }
            let lowered = try XCTUnwrap(ownerLog.events("MEETING_PARTICIPANT_HAND_RAISED").last)
            XCTAssertEqual(lowered["raised"] as? Bool, false)
            XCTAssertNil(lowered["handRaisedAt"])
            XCTAssertEqual(lowered["moderatorId"] as? String, self.owner.id.apiString)
            XCTAssertEqual(ownerLog.events("MEETING_PARTICIPANT_HAND_RAISED_LIST").last?["participants"] as? [String], [self.owner.id.apiString])
            XCTAssertEqual(ownerLog.types.suffix(2), ["MEETING_PARTICIPANT_HAND_RAISED", "MEETING_PARTICIPANT_HAND_RAISED_LIST"])
        }
        }
    }

    func testRecordingState() async throws {
        try await TestServer.with { server in
        try await server.app.test(.router) { client in
            let s = try await self.setUp(server, client)
            let m = "/meetings/\(s.meeting)"
            let memberLog = try XCTUnwrap(s.logs[self.member.id])
            let post = { (user: User, path: String, body: String?) in
                try await client.execute(uri: "\(m)/\(path)", method: .post, headers: server.headers(user), body: body.map { .json($0) })
            }
            try await expectStatus(.forbidden, await post(self.member, "startRecording", nil))
            try await expectStatus(.notFound, await post(self.listener, "startRecording", nil))
            try await expectStatus(.noContent, await post(self.owner, "startRecording", nil))
            try await expectStatus(.noContent, await post(self.owner, "startRecording", nil))
            await assertEventually { memberLog.events("MEETING_RECORDING_STARTED").count == 1 }
            XCTAssertEqual(memberLog.events("MEETING_RECORDING_STARTED").count, 1, "a second start is a silent no-op")
            XCTAssertEqual(memberLog.events("MEETING_RECORDING_STARTED").first?["userId"] as? String, self.owner.id.apiString)
            let recording = try await client.execute(uri: m, method: .get, headers: server.headers(self.listener)) { try $0.jsonObject() }
            XCTAssertEqual(recording["recUserId"] as? String, self.owner.id.apiString)
            XCTAssertNotNil(recording["recStartedAt"] as? String)

            // Stop: body validated first (name 1..128, folderId), then rights.
            for body in ["", "{}", #"{"name":"","folderId":"f"}"#, #"{"name":"\#(String(repeating: "n", count: 129))","folderId":"f"}"#,
                         #"{"name":"x","folderId":""}"#] {
                try await expectStatus(.badRequest, await post(self.owner, "stopRecording", body), body)
            }
            try await expectStatus(.forbidden, await post(self.member, "stopRecording", #"{"name":"x","folderId":"f"}"#))
            try await expectStatus(.noContent, await post(self.owner, "stopRecording", #"{"name":"Weekly","folderId":"LOCAL_ROOT"}"#))
            await assertEventually { memberLog.events("MEETING_RECORDING_STOPPED").count == 1 }
            let stopped = try await client.execute(uri: m, method: .get, headers: server.headers(self.listener)) { try $0.jsonObject() }
            XCTAssertNil(stopped["recUserId"])
            XCTAssertNil(stopped["recStartedAt"])

            // A recording running when the meeting stops ends with it.
            try await expectStatus(.noContent, await post(self.owner, "startRecording", nil))
            try await expectStatus(.ok, await post(self.member, "stop", nil))
            await assertEventually { memberLog.events("MEETING_RECORDING_STOPPED").count == 2 }
            XCTAssertEqual(memberLog.events("MEETING_RECORDING_STOPPED").last?["userId"] as? String, self.member.id.apiString)
            XCTAssertEqual(memberLog.types.suffix(2), ["MEETING_RECORDING_STOPPED", "MEETING_STOPPED"])
            try await expectStatus(.badRequest, await post(self.owner, "startRecording", nil), "inactive meeting")
        }
        }
    }

    func testDeletePublicAndRoomMeeting() async throws {
        try await TestServer.with { server in
        try await server.app.test(.router) { client in
            let s = try await self.setUp(server, client, type: "scheduled")
            let m = "/meetings/\(s.meeting)"
            let listenerLog = try XCTUnwrap(s.logs[self.listener.id])

            // Public name of a scheduled meeting, without any token; a refused token is 401.
            let publicName = try await client.execute(uri: "/public\(m)", method: .get) { try $0.jsonObject() }
            XCTAssertEqual(publicName as NSDictionary, ["name": "Standup"] as NSDictionary)
            try await expectStatus(.unauthorized, await client.execute(uri: "/public\(m)", method: .get, headers: [.cookie: "ZM_AUTH_TOKEN=x"]))
            try await expectStatus(.notFound, await client.execute(uri: "/public/meetings/\(UUID().apiString)", method: .get))
            try await expectStatus(.notFound, await client.execute(uri: "/public/meetings/nope", method: .get))

            // The room's meeting.
            let roomMeeting = try await client.execute(uri: "/rooms/\(s.room)/meeting", method: .get, headers: server.headers(self.guest)) {
                try $0.jsonObject()
            }
            XCTAssertEqual(roomMeeting["id"] as? String, s.meeting)
            XCTAssertEqual(roomMeeting["meetingType"] as? String, "scheduled")
            try await expectStatus(.notFound, await client.execute(uri: "/rooms/\(UUID().apiString)/meeting", method: .get, headers: server.headers(self.guest)))

            // Delete: guests 403; a member deletes the running meeting (stopped first, then deleted).
            try await expectStatus(.forbidden, await client.execute(uri: m, method: .delete, headers: server.headers(self.guest)))
            try await expectStatus(.noContent, await client.execute(uri: m, method: .delete, headers: server.headers(self.listener)))
            await assertEventually { listenerLog.events("MEETING_DELETED").count == 1 }
            XCTAssertEqual(listenerLog.types.suffix(2), ["MEETING_STOPPED", "MEETING_DELETED"])
            try await expectStatus(.notFound, await client.execute(uri: m, method: .get, headers: server.headers(self.owner)))
            try await expectStatus(.notFound, await client.execute(uri: m, method: .delete, headers: server.headers(self.owner)))
            try await expectStatus(.notFound, await client.execute(uri: "/rooms/\(s.room)/meeting", method: .get, headers: server.headers(self.owner)))
            let room = try await client.execute(uri: "/rooms/\(s.room)", method: .get, headers: server.headers(self.owner)) { try $0.jsonObject() }
            XCTAssertNil(room["meetingId"], "the room forgets its meeting")
            let meetingId = try XCTUnwrap(UUID(uuidString: s.meeting))
            XCTAssertEqual(server.plane.calls.last, .closeMeeting(meetingId: meetingId))
            // A new meeting can be created for the room.
            try await expectStatus(.ok, await client.execute(uri: "/meetings", method: .post, headers: server.headers(self.owner), body: .json(
                #"{"name":"Again","meetingType":"permanent","roomId":"\#(s.room)"}"#)))
        }
        }
    }

    func testMediaPlaneEvents() async throws {
        try await TestServer.with { server in
        try await server.app.test(.router) { client in
            let s = try await self.setUp(server, client)
            let meetingId = try XCTUnwrap(UUID(uuidString: s.meeting))
            let ownerLog = try XCTUnwrap(s.logs[self.owner.id]), listenerLog = try XCTUnwrap(s.logs[self.listener.id])

            // Talking: to the participants, in order.
            server.plane.emit(.talking(meetingId: meetingId, userId: self.member.id, isTalking: true))
            server.plane.emit(.talking(meetingId: meetingId, userId: self.member.id, isTalking: false))
            server.plane.emit(.talking(meetingId: meetingId, userId: self.listener.id, isTalking: true))  // not a participant: dropped
            server.plane.emit(.talking(meetingId: UUID(), userId: self.member.id, isTalking: true))  // unknown meeting: dropped
            await assertEventually { ownerLog.events("MEETING_PARTICIPANT_TALKING").count == 2 }
            let talking = ownerLog.events("MEETING_PARTICIPANT_TALKING")
            XCTAssertEqual(talking.map { $0["isTalking"] as? Bool }, [true, false])
            XCTAssertEqual(talking.first?["userId"] as? String, self.member.id.apiString)
            XCTAssertEqual(talking.first?["meetingId"] as? String, s.meeting)
            XCTAssertEqual(listenerLog.events("MEETING_PARTICIPANT_TALKING").count, 0, "non-participants do not hear it")

            // A closed video publisher turns the stream off for everyone; other closures (not consent) are only logged.
            try await expectStatus(.noContent, await self.put(client, server, self.member, "/meetings/\(s.meeting)/media",
                                                              #"{"type":"video","enabled":true,"sdp":"v=0"}"#))
            server.plane.emit(.transportClosed(meetingId: meetingId, userId: self.member.id, kind: .audio, reason: "DTLS alert"))
            server.plane.emit(.transportClosed(meetingId: meetingId, userId: self.member.id, kind: .video, reason: "consent lost"))
            await assertEventually { ownerLog.events("MEETING_MEDIA_STREAM_CHANGED").count == 2 }
            let off = try XCTUnwrap(ownerLog.events("MEETING_MEDIA_STREAM_CHANGED").last)
            XCTAssertEqual(off["active"] as? Bool, false)
            XCTAssertEqual(off["mediaType"] as? String, "VIDEO")
            await assertEventually { server.plane.calls.last == .unpublish(meetingId: meetingId, userId: self.member.id, type: .video) }
            let json = try await client.execute(uri: "/meetings/\(s.meeting)", method: .get, headers: server.headers(self.owner)) { try $0.jsonObject() }
            let participants = try XCTUnwrap(json["participants"] as? [[String: Any]])
            XCTAssertEqual(participants.first { $0["userId"] as? String == self.member.id.apiString }?["videoStreamEnabled"] as? Bool, false)

            // 30 s without consent on the audio transport (RFC 7675): the member is gone and leaves,
            // with the leave's event to the others.
            server.plane.emit(.transportClosed(meetingId: meetingId, userId: self.member.id, kind: .audio,
                                               reason: MediaPlaneEvent.consentExpiredReason))
            await assertEventually { ownerLog.events("MEETING_PARTICIPANT_LEFT").count == 1 }
            XCTAssertEqual(ownerLog.events("MEETING_PARTICIPANT_LEFT").first?["userId"] as? String, self.member.id.apiString)
            let after = try await client.execute(uri: "/meetings/\(s.meeting)", method: .get, headers: server.headers(self.owner)) { try $0.jsonObject() }
            let remaining = try XCTUnwrap(after["participants"] as? [[String: Any]]).compactMap { $0["userId"] as? String }
            XCTAssertFalse(remaining.contains(self.member.id.apiString), "\(remaining)")
            XCTAssertTrue(remaining.contains(self.owner.id.apiString))
        }
        }
    }
}
