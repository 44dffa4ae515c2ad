import Foundation
import Hummingbird
import HummingbirdTesting
import Meetings
import XCTest
@testable import ParleyServer

/// Rooms and members through the router (spec §1.3, §4.4, §5.1, §5.2): bodies, codes, events.
final class RoomAPITests: XCTestCase {
    let alice = User(id: UUID(), name: "Alice")
    let bob = User(id: UUID(), name: "Bob")
    let carol = User(id: UUID(), name: "Carol")
    let dave = User(id: UUID(), name: "Dave")
    let erin = User(id: UUID(), name: "Erin")

    func connect(_ server: TestServer, _ user: User) -> (UUID, MessageLog) {
        let (queue, stream) = server.hub.connect(userId: user.id) { EventEncoding.websocketConnected(queueId: $0, sentDate: Date()) }
        return (queue, MessageLog.collecting(stream))
    }

    func createGroup(_ server: TestServer, _ client: some TestClientProtocol, members: [User]) async throws -> String {
        let list = members.map { #"{"userId":"\#($0.id.apiString)"}"# }.joined(separator: ",")
        return try await client.execute(uri: "/rooms", method: .post, headers: server.headers(alice),
                                        body: .json(#"{"type":"group","name":"Team","description":"d","members":[\#(list)]}"#)) {
            XCTAssertEqual($0.status, .created)
            return try XCTUnwrap($0.jsonObject()["id"] as? String)
        }
    }

    func jsonArray(_ response: TestResponse) throws -> [[String: Any]] {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: Any]])
    }

    func testListUpdateMuteClear() async throws {
        try await TestServer.with { server in
        try await server.seed([alice, bob, carol, dave])
        try await server.app.test(.router) { client in
            let (_, bobLog) = self.connect(server, self.bob)
            let room = try await self.createGroup(server, client, members: [self.bob, self.carol])
            let r = "/rooms/\(room)"

            // GET /rooms: members and settings only on request; unknown extra field 400; strangers see nothing.
            let plain = try self.jsonArray(try await client.execute(uri: "/rooms", method: .get, headers: server.headers(self.bob)))
            XCTAssertEqual(plain.map { $0["id"] as? String }, [room])
            XCTAssertNil(plain.first?["members"])
            XCTAssertNil(plain.first?["userSettings"])
            let full = try self.jsonArray(try await client.execute(
                uri: "/rooms?extraFields=members&extraFields=SETTINGS", method: .get, headers: server.headers(self.bob)))
            XCTAssertEqual((full.first?["members"] as? [Any])?.count, 3)
            XCTAssertEqual((full.first?["userSettings"] as? [String: Any])?["muted"] as? Bool, false)
            try await expectStatus(.badRequest, await client.execute(uri: "/rooms?extraFields=pictures", method: .get, headers: server.headers(self.bob)))
            let none = try await client.execute(uri: "/rooms", method: .get, headers: server.headers(self.dave))
            XCTAssertEqual(String(buffer: none.body), "[]")

            // PUT /rooms/{id}: owner only, body checked first, returns the room without members/settings.
            let meeting = try await client.execute(uri: "/meetings", method: .post, headers: server.headers(self.alice), body: .json(
                #"{"name":"Team","meetingType":"permanent","roomId":"\#(room)"}"#)) { try XCTUnwrap($0.jsonObject()["id"] as? String) }
            for body in ["{}", #"{"name":""}"#, #"{"description":"\#(String(repeating: "d", count: 257))"}"#, "[1]"] {
                try await expectStatus(.badRequest, await client.execute(uri: r, method: .put, headers: server.headers(self.alice), body: .json(body)), body)
            }
            try await expectStatus(.forbidden, await client.execute(uri: r, method: .put, headers: server.headers(self.bob), body: .json(#"{"name":"X"}"#)))
            try await expectStatus(.notFound, await client.execute(uri: "/rooms/\(UUID().apiString)", method: .put, headers: server.headers(self.alice),
                                                                   body: .json(#"{"name":"X"}"#)))
            let updated = try await client.execute(uri: r, method: .put, headers: server.headers(self.alice), body: .json(#"{"name":"Renamed","extra":1}"#))
            XCTAssertEqual(updated.status, .ok)
            let updatedJSON = try updated.jsonObject()
            XCTAssertEqual(updatedJSON["name"] as? String, "Renamed")
            XCTAssertEqual(updatedJSON["description"] as? String, "d")
            XCTAssertNil(updatedJSON["members"])
            XCTAssertNil(updatedJSON["userSettings"])
            await assertEventually { !bobLog.events("ROOM_UPDATED").isEmpty }
            XCTAssertEqual(bobLog.events("ROOM_UPDATED").first?["name"] as? String, "Renamed")
            let renamedMeeting = try await client.execute(uri: "/meetings/\(meeting)", method: .get, headers: server.headers(self.bob)) { try $0.jsonObject() }
            XCTAssertEqual(renamedMeeting["name"] as? String, "Renamed", "the meeting follows the room name")

            // Mute / unmute / clear: per user, events to that user only.
            try await expectStatus(.noContent, await client.execute(uri: "\(r)/mute", method: .put, headers: server.headers(self.bob)))
            let muted = try await client.execute(uri: r, method: .get, headers: server.headers(self.bob)) { try $0.jsonObject() }
            XCTAssertEqual((muted["userSettings"] as? [String: Any])?["muted"] as? Bool, true)
            let aliceView = try await client.execute(uri: r, method: .get, headers: server.headers(self.alice)) { try $0.jsonObject() }
            XCTAssertEqual((aliceView["userSettings"] as? [String: Any])?["muted"] as? Bool, false, "settings are per user")
            let cleared = try await client.execute(uri: "\(r)/clear", method: .put, headers: server.headers(self.bob))
            XCTAssertEqual(cleared.status, .ok)
            let clearedAt = try XCTUnwrap(try cleared.jsonObject()["clearedAt"] as? String)
            try await expectStatus(.noContent, await client.execute(uri: "\(r)/mute", method: .delete, headers: server.headers(self.bob)))
            let after = try await client.execute(uri: r, method: .get, headers: server.headers(self.bob)) { try $0.jsonObject() }
            XCTAssertEqual((after["userSettings"] as? [String: Any])?["muted"] as? Bool, false)
            XCTAssertEqual((after["userSettings"] as? [String: Any])?["clearedAt"] as? String, clearedAt)
            await assertEventually { bobLog.types.suffix(3) == ["ROOM_MUTED", "ROOM_HISTORY_CLEARED", "ROOM_UNMUTED"] }
            XCTAssertEqual(bobLog.events("ROOM_HISTORY_CLEARED").first?["clearedAt"] as? String, clearedAt)
            try await expectStatus(.forbidden, await client.execute(uri: "\(r)/mute", method: .put, headers: server.headers(self.dave)))
        }
        }
    }

    func testMembersAndOwners() async throws {
        try await TestServer.with { server in
        try await server.seed([alice, bob, carol, dave, erin])
        try await server.app.test(.router) { client in
            let (_, bobLog) = self.connect(server, self.bob)
            let (_, daveLog) = self.connect(server, self.dave)
            let room = try await self.createGroup(server, client, members: [self.bob, self.carol])
            let r = "/rooms/\(room)"
            let members = "\(r)/members"

            let listed = try self.jsonArray(try await client.execute(uri: members, method: .get, headers: server.headers(self.carol)))
            XCTAssertEqual(listed.map { $0["userId"] as? String }, [self.alice, self.bob, self.carol].map { $0.id.apiString })
            XCTAssertEqual(listed.map { $0["owner"] as? Bool }, [true, false, false])

            // Add: body, rights, duplicates, unknown users; then 201 with clearedAt for historyCleared.
            for body in ["", "{}", #"[{"owner":true}]"#, #"[{"userId":"nope"}]"#] {
                try await expectStatus(.badRequest, await client.execute(uri: members, method: .post, headers: server.headers(self.alice), body: .json(body)), body)
            }
            let addBody = #"[{"userId":"\#(self.dave.id.apiString)","owner":false,"historyCleared":true},{"userId":"\#(self.erin.id.apiString)","owner":true,"historyCleared":false}]"#
            try await expectStatus(.forbidden, await client.execute(uri: members, method: .post, headers: server.headers(self.bob), body: .json(addBody)))
            try await expectStatus(.badRequest, await client.execute(uri: members, method: .post, headers: server.headers(self.alice),
                                                                     body: .json(#"[{"userId":"\#(self.bob.id.apiString)","owner":false,"historyCleared":false}]"#)))
            try await expectStatus(.notFound, await client.execute(uri: members, method: .post, headers: server.headers(self.alice),
                                                                   body: .json(#"[{"userId":"\#(UUID().apiString)","owner":false,"historyCleared":false}]"#)))
            let added = try await client.execute(uri: members, method: .post, headers: server.headers(self.alice), body: .json(addBody))
            XCTAssertEqual(added.status, .created)
            XCTAssertEqual(added.headers[.contentType], "application/json")
            let addedJSON = try self.jsonArray(added)
            XCTAssertEqual(addedJSON.map { $0["userId"] as? String }, [self.dave.id.apiString, self.erin.id.apiString])
            XCTAssertEqual(addedJSON.map { $0["owner"] as? Bool }, [false, true])
            XCTAssertNotNil(addedJSON[0]["clearedAt"] as? String)
            XCTAssertNil(addedJSON[1]["clearedAt"])
            await assertEventually { daveLog.events("ROOM_MEMBER_ADDED").count == 2 }
            XCTAssertEqual(bobLog.events("ROOM_MEMBER_ADDED").map { $0["isOwner"] as? Bool }, [false, true])
            let daveView = try await client.execute(uri: r, method: .get, headers: server.headers(self.dave)) { try $0.jsonObject() }
            XCTAssertNotNil((daveView["userSettings"] as? [String: Any])?["clearedAt"] as? String)

            // Owners: promote / demote / bulk; not on oneself; targets must be members.
            try await expectStatus(.noContent, await client.execute(uri: "\(members)/\(self.bob.id.apiString)/owner", method: .put, headers: server.headers(self.alice)))
            try await expectStatus(.badRequest, await client.execute(uri: "\(members)/\(self.alice.id.apiString)/owner", method: .delete, headers: server.headers(self.alice)))
            try await expectStatus(.forbidden, await client.execute(uri: "\(members)/\(UUID().apiString)/owner", method: .put, headers: server.headers(self.alice)))
            try await expectStatus(.forbidden, await client.execute(uri: "\(members)/\(self.carol.id.apiString)/owner", method: .put, headers: server.headers(self.carol)))
            try await expectStatus(.noContent, await client.execute(uri: "\(members)/\(self.erin.id.apiString)/owner", method: .delete, headers: server.headers(self.bob)))
            let bulk = try await client.execute(uri: "\(members)/owners", method: .put, headers: server.headers(self.alice), body: .json(
                #"[{"userId":"\#(self.carol.id.apiString)","owner":true},{"userId":"\#(self.bob.id.apiString)","owner":false}]"#))
            XCTAssertEqual(bulk.status, .ok)
            XCTAssertEqual(try self.jsonArray(bulk).map { $0["owner"] as? Bool }, [true, false])
            try await expectStatus(.badRequest, await client.execute(uri: "\(members)/owners", method: .put, headers: server.headers(self.alice),
                                                                     body: .json(#"[{"userId":"\#(self.alice.id.apiString)","owner":true}]"#)))
            try await expectStatus(.badRequest, await client.execute(uri: "\(members)/owners", method: .put, headers: server.headers(self.alice), body: .json("[]")))
            await assertEventually { bobLog.events("ROOM_OWNER_DEMOTED").count == 2 }
            XCTAssertEqual(bobLog.events("ROOM_OWNER_PROMOTED").map { $0["userId"] as? String }, [self.bob.id.apiString, self.carol.id.apiString])
            let owners = try self.jsonArray(try await client.execute(uri: members, method: .get, headers: server.headers(self.alice)))
                .filter { $0["owner"] as? Bool == true }.compactMap { $0["userId"] as? String }
            XCTAssertEqual(Set(owners), Set([self.alice.id.apiString, self.carol.id.apiString]))

            // Removal: a joined member leaves the meeting first; self-removal; non-owners cannot remove others.
            let meeting = try await client.execute(uri: "/meetings", method: .post, headers: server.headers(self.alice), body: .json(
                #"{"name":"Team","meetingType":"permanent","roomId":"\#(room)"}"#)) { try XCTUnwrap($0.jsonObject()["id"] as? String) }
            try await expectStatus(.ok, await client.execute(uri: "/meetings/\(meeting)/start", method: .post, headers: server.headers(self.alice)))
            try await expectStatus(.ok, await client.execute(uri: "/meetings/\(meeting)/join", method: .post,
                                                             headers: server.headers(self.dave, queueId: UUID().apiString),
                                                             body: .json(#"{"audioStreamEnabled":false,"videoStreamEnabled":false}"#)))
            try await expectStatus(.forbidden, await client.execute(uri: "\(members)/\(self.erin.id.apiString)", method: .delete, headers: server.headers(self.bob)))
            try await expectStatus(.notFound, await client.execute(uri: "\(members)/\(UUID().apiString)", method: .delete, headers: server.headers(self.alice)))
            try await expectStatus(.noContent, await client.execute(uri: "\(members)/\(self.dave.id.apiString)", method: .delete, headers: server.headers(self.alice)))
            await assertEventually { daveLog.events("ROOM_MEMBER_REMOVED").count == 1 }
            XCTAssertEqual(daveLog.types.suffix(3), ["MEETING_PARTICIPANT_LEFT", "MEETING_STOPPED", "ROOM_MEMBER_REMOVED"])
            try await expectStatus(.forbidden, await client.execute(uri: r, method: .get, headers: server.headers(self.dave)))
            try await expectStatus(.noContent, await client.execute(uri: "\(members)/\(self.bob.id.apiString)", method: .delete, headers: server.headers(self.bob)))
        }
        }
    }

    func testOneToOneAndDeletion() async throws {
        try await TestServer.with { server in
        try await server.seed([alice, bob, carol])
        try await server.app.test(.router) { client in
            let (_, bobLog) = self.connect(server, self.bob)
            let direct = try await client.execute(uri: "/rooms", method: .post, headers: server.headers(self.alice), body: .json(
                #"{"type":"one_to_one","members":[{"userId":"\#(self.bob.id.apiString)"}]}"#)) { try XCTUnwrap($0.jsonObject()["id"] as? String) }
            let d = "/rooms/\(direct)"
            try await expectStatus(.badRequest, await client.execute(uri: d, method: .put, headers: server.headers(self.alice), body: .json(#"{"name":"x"}"#)))
            try await expectStatus(.forbidden, await client.execute(uri: d, method: .delete, headers: server.headers(self.alice)))
            try await expectStatus(.badRequest, await client.execute(uri: "\(d)/members/\(self.bob.id.apiString)", method: .delete, headers: server.headers(self.alice)))
            try await expectStatus(.badRequest, await client.execute(uri: "\(d)/members", method: .post, headers: server.headers(self.alice),
                                                                     body: .json(#"[{"userId":"\#(self.carol.id.apiString)","owner":false,"historyCleared":false}]"#)))

            // Deleting a group room with a meeting: meeting deleted first, then the room.
            let room = try await self.createGroup(server, client, members: [self.bob, self.carol])
            let meeting = try await client.execute(uri: "/meetings", method: .post, headers: server.headers(self.alice), body: .json(
                #"{"name":"Team","meetingType":"permanent","roomId":"\#(room)"}"#)) { try XCTUnwrap($0.jsonObject()["id"] as? String) }
            try await expectStatus(.forbidden, await client.execute(uri: "/rooms/\(room)", method: .delete, headers: server.headers(self.bob)))
            try await expectStatus(.noContent, await client.execute(uri: "/rooms/\(room)", method: .delete, headers: server.headers(self.alice)))
            await assertEventually { !bobLog.events("ROOM_DELETED").isEmpty }
            XCTAssertEqual(bobLog.types.suffix(2), ["MEETING_DELETED", "ROOM_DELETED"])
            try await expectStatus(.notFound, await client.execute(uri: "/rooms/\(room)", method: .get, headers: server.headers(self.alice)))
            try await expectStatus(.notFound, await client.execute(uri: "/meetings/\(meeting)", method: .get, headers: server.headers(self.alice)))

            // The last member leaving a temporary room deletes it.
            let temporary = try await client.execute(uri: "/rooms", method: .post, headers: server.headers(self.alice), body: .json(
                #"{"type":"temporary","name":"Call"}"#)) { try XCTUnwrap($0.jsonObject()["id"] as? String) }
            try await expectStatus(.noContent, await client.execute(uri: "/rooms/\(temporary)/members/\(self.alice.id.apiString)", method: .delete,
                                                                    headers: server.headers(self.alice)))
            try await expectStatus(.notFound, await client.execute(uri: "/rooms/\(temporary)", method: .get, headers: server.headers(self.alice)))
        }
        }
    }
}
