import Foundation
import Hummingbird
import HummingbirdTesting
import Meetings
import XCTest
@testable import ParleyServer

/// Scheduled meetings: the waiting queue through the API (spec §2.3 step 4, §2.4, M9, M10).
final class WaitingQueueTests: XCTestCase {
    let owner = User(id: UUID(), name: "Owner")
    let member = User(id: UUID(), name: "Member")
    let other = User(id: UUID(), name: "Other member")
    let guest = User(id: UUID(), name: "Guest", type: .guest)

    func testWaitingQueueFlow() async throws {
        try await TestServer.with { server in
        try await server.seed([owner, member, other, guest])
        try await server.app.test(.router) { client in
            func connect(_ user: User) -> (UUID, MessageLog) {
                let (queue, stream) = server.hub.connect(userId: user.id) { EventEncoding.websocketConnected(queueId: $0, sentDate: Date()) }
                return (queue, MessageLog.collecting(stream))
            }
            let (_, ownerLog) = connect(self.owner)
            let (qMember, memberLog) = connect(self.member)
            let (qGuest, guestLog) = connect(self.guest)
            let join = #"{"audioStreamEnabled":false,"videoStreamEnabled":false}"#

            let roomBody = #"{"type":"group","name":"Webinar","members":[{"userId":"\#(self.member.id.apiString)"},{"userId":"\#(self.other.id.apiString)"}]}"#
            let room = try await client.execute(uri: "/rooms", method: .post, headers: server.headers(self.owner), body: .json(roomBody)) {
                try XCTUnwrap($0.jsonObject()["id"] as? String)
            }
            let meeting = try await client.execute(uri: "/meetings", method: .post, headers: server.headers(self.owner), body: .json(
                #"{"name":"Webinar","meetingType":"scheduled","roomId":"\#(room)","expiration":"2030-01-01T10:00:00.500Z"}"#)) {
                XCTAssertEqual(try $0.jsonObject()["meetingType"] as? String, "scheduled")
                return try XCTUnwrap($0.jsonObject()["id"] as? String)
            }
            let m = "/meetings/\(meeting)"

            // A non-owner member and a guest stranger wait (even before the start); the owner is told.
            let memberJoin = try await client.execute(uri: "\(m)/join", method: .post, headers: server.headers(self.member, queueId: qMember.apiString), body: .json(join))
            XCTAssertEqual(try memberJoin.jsonObject() as NSDictionary, ["status": "WAITING"] as NSDictionary)
            let guestJoin = try await client.execute(uri: "\(m)/join", method: .post, headers: server.headers(self.guest, queueId: qGuest.apiString), body: .json(join))
            XCTAssertEqual(try guestJoin.jsonObject() as NSDictionary, ["status": "WAITING"] as NSDictionary)
            await assertEventually(ownerLog.types.description) { ownerLog.events("MEETING_WAITING_PARTICIPANT_JOINED").count == 2 }

            // Only non-guest owners see the queue.
            let queue = try await client.execute(uri: "\(m)/queue", method: .get, headers: server.headers(self.owner))
            XCTAssertEqual(queue.status, .ok)
            XCTAssertEqual(queue.headers[.contentType], "application/json")
            XCTAssertEqual(try queue.jsonObject() as NSDictionary,
                           ["users": [self.member.id.apiString, self.guest.id.apiString]] as NSDictionary)
            try await expectStatus(.forbidden, await client.execute(uri: "\(m)/queue", method: .get, headers: server.headers(self.member)))
            try await expectStatus(.forbidden, await client.execute(uri: "\(m)/queue", method: .get, headers: server.headers(self.guest)))
            try await expectStatus(.notFound, await client.execute(uri: "/meetings/\(UUID().apiString)/queue", method: .get, headers: server.headers(self.owner)))

            // Decisions: body and permission checks.
            let accept = ByteBuffer.json(#"{"status":"accepted"}"#)
            let reject = ByteBuffer.json(#"{"status":"REJECTED"}"#)
            let q = "\(m)/queue"
            try await expectStatus(.badRequest, await client.execute(uri: "\(q)/\(self.guest.id.apiString)", method: .post, headers: server.headers(self.owner), body: .json(#"{"status":"maybe"}"#)))
            try await expectStatus(.forbidden, await client.execute(uri: "\(q)/\(self.guest.id.apiString)", method: .post, headers: server.headers(self.member), body: accept))
            try await expectStatus(.forbidden, await client.execute(uri: "\(q)/\(self.guest.id.apiString)", method: .post, headers: server.headers(self.guest), body: reject))
            try await expectStatus(.notFound, await client.execute(uri: "\(q)/\(self.other.id.apiString)", method: .post, headers: server.headers(self.owner), body: accept))
            try await expectStatus(.notFound, await client.execute(uri: "\(q)/not-a-uuid", method: .post, headers: server.headers(self.owner), body: accept))

            // The member leaves the waiting room himself; the owner accepts the guest, who becomes a member.
            try await expectStatus(.noContent, await client.execute(uri: "\(q)/\(self.member.id.apiString)", method: .post, headers: server.headers(self.member), body: reject))
            await assertEventually { memberLog.events("MEETING_WAITING_PARTICIPANT_REJECTED").count == 1 }
            try await expectStatus(.noContent, await client.execute(uri: "\(q)/\(self.guest.id.apiString)", method: .post, headers: server.headers(self.owner), body: accept))
            await assertEventually(guestLog.types.description) { guestLog.events("MEETING_WAITING_PARTICIPANT_ACCEPTED").count == 1 }
            XCTAssertEqual(guestLog.events("ROOM_MEMBER_ADDED").first?["isOwner"] as? Bool, false)
            let roomJSON = try await client.execute(uri: "/rooms/\(room)", method: .get, headers: server.headers(self.guest)) { try $0.jsonObject() }
            XCTAssertEqual((roomJSON["members"] as? [[String: Any]])?.count, 4, "the accepted guest is now a member")

            // The accepted guest joins once the meeting runs.
            try await expectStatus(HTTPResponse.Status(code: 424),
                                   await client.execute(uri: "\(m)/join", method: .post, headers: server.headers(self.guest, queueId: qGuest.apiString), body: .json(join)))
            try await expectStatus(.ok, await client.execute(uri: "\(m)/start", method: .post, headers: server.headers(self.owner)))
            let admitted = try await client.execute(uri: "\(m)/join", method: .post, headers: server.headers(self.guest, queueId: qGuest.apiString), body: .json(join))
            XCTAssertEqual(try admitted.jsonObject() as NSDictionary, ["status": "ACCEPTED"] as NSDictionary)
            let emptyQueue = try await client.execute(uri: "\(m)/queue", method: .get, headers: server.headers(self.owner)) { try $0.jsonObject() }
            XCTAssertEqual(emptyQueue as NSDictionary, ["users": []] as NSDictionary)
        }
        }
    }
}
