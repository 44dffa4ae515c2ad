import Foundation
import Hummingbird
import HummingbirdTesting
import Meetings
import Storage
import XCTest
@testable import ParleyServer

/// Users, capabilities, the auth token, guests, health and REST versioning (spec §1.3, §5.4,
/// §5.5, §6, §9).
final class UserAPITests: XCTestCase {
    let alice = User(id: UUID(), name: "Alice", email: "alice@example.com")
    let bob = User(id: UUID(), name: "Bob")

    func testUsersCapabilitiesAndToken() async throws {
        try await TestServer.with { server in
        try await server.seed([alice, bob])
        try await server.store.transaction { [bob] session in
            try await session.db.update("users").set("status_message", to: "On holiday").where("id", .equal, bob.id.apiString).run()
        }
        try await server.app.test(.router) { client in
            let headers = try await server.headers(self.alice)
            let one = try await client.execute(uri: "/users/\(self.alice.id.apiString)", method: .get, headers: headers)
            XCTAssertEqual(one.status, .ok)
            XCTAssertEqual(one.headers[.contentType], "application/json")
            XCTAssertEqual(try one.jsonObject() as NSDictionary,
                           ["id": self.alice.id.apiString, "email": "alice@example.com", "name": "Alice", "type": "internal"] as NSDictionary)
            try await expectStatus(.notFound, await client.execute(uri: "/users/\(UUID().apiString)", method: .get, headers: headers))
            try await expectStatus(.notFound, await client.execute(uri: "/users/not-a-uuid", method: .get, headers: headers))

            // Bulk: 1..10 UUIDs, request order, unknown ids skipped.
            let ids = [self.bob.id, UUID(), self.alice.id].map { "userIds=\($0.apiString)" }.joined(separator: "&")
            let many = try await client.execute(uri: "/users?\(ids)", method: .get, headers: headers)
            let list = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(many.body.readableBytesView)) as? [[String: Any]])
            XCTAssertEqual(list.map { $0["id"] as? String }, [self.bob.id.apiString, self.alice.id.apiString])
            XCTAssertEqual(list.first?["statusMessage"] as? String, "On holiday")
            XCTAssertNil(list.first?["email"], "absent email is omitted")
            let eleven = (0..<11).map { _ in "userIds=\(UUID().apiString)" }.joined(separator: "&")
            for query in ["", "?userIds=", "?userIds=x", "?\(eleven)"] {
                try await expectStatus(.badRequest, await client.execute(uri: "/users\(query)", method: .get, headers: headers), query)
            }
            let ten = (0..<10).map { _ in "userIds=\(UUID().apiString)" }.joined(separator: "&")
            try await expectStatus(.ok, await client.execute(uri: "/users?\(ten)", method: .get, headers: headers))

            // Capabilities: the spec §5.4 defaults.
            let capabilities = try await client.execute(uri: "/users/capabilities", method: .get, headers: headers) { try $0.jsonObject() }
            XCTAssertEqual(capabilities as NSDictionary, [
                "canSeeMessageReads": true, "canSeeUsersPresence": true, "canVideoCall": true, "canVideoCallRecord": true,
                "canUseVirtualBackground": true, "editMessageTimeLimitInMinutes": 10, "deleteMessageTimeLimitInMinutes": 10,
                "maxGroupMembers": 128, "maxRoomImageSizeInKb": 512, "maxUserImageSizeInKb": 512,
            ] as NSDictionary)

            // The token the request came with, from the cookie or the bearer header.
            let token = try await server.token(self.alice)
            let viaCookie = try await client.execute(uri: "/auth/token", method: .get, headers: [.cookie: "ZM_AUTH_TOKEN=\(token)"]) { try $0.jsonObject() }
            XCTAssertEqual(viaCookie as NSDictionary, ["zmToken": token] as NSDictionary)
            let viaBearer = try await client.execute(uri: "/auth/token", method: .get, headers: [.authorization: "Bearer \(token)"]) { try $0.jsonObject() }
            XCTAssertEqual(viaBearer["zmToken"] as? String, token)
        }
        }
    }

    func testGuestsAreCreatedAndRestricted() async throws {
        try await TestServer.with { server in
        try await server.seed([alice, bob])
        try await server.app.test(.router) { client in
            let created = try await client.execute(uri: "/users/guests", method: .post, body: .json(#"{"name":"  Visitor  ","extra":true}"#))
            XCTAssertEqual(created.status, .ok)
            XCTAssertEqual(created.headers[.contentType], "application/json")
            let json = try created.jsonObject()
            XCTAssertEqual(Set(json.keys), ["id", "zmToken", "zxToken"])
            let id = try XCTUnwrap(UUID(uuidString: try XCTUnwrap(json["id"] as? String)))
            let token = try XCTUnwrap(json["zmToken"] as? String)
            XCTAssertEqual(json["zxToken"] as? String, token)
            let verified = await server.tokens.verify(token)
            XCTAssertEqual(verified, User(id: id, name: "Visitor", type: .guest))
            let stored = try await server.store.read { try await $0.user(id: id) }
            XCTAssertEqual(stored?.type, .guest)

            // The Carbonio-compatible form answers the same shape.
            let carbonio = try await client.execute(uri: "/zx/auth/v3/guests?name=Ann%20Lee", method: .post) { try $0.jsonObject() }
            let carbonioToken = try XCTUnwrap(carbonio["zmToken"] as? String)
            let carbonioUser = await server.tokens.verify(carbonioToken)
            XCTAssertEqual(carbonioUser?.name, "Ann Lee")
            XCTAssertEqual(carbonioUser?.type, .guest)

            for body in ["", "{}", #"{"name":""}"#, #"{"name":"   "}"#, #"{"name":"\#(String(repeating: "g", count: 129))"}"#,
                         #"{"name":"a\u0007b"}"#, #"{"name":5}"#] {
                try await expectStatus(.badRequest, await client.execute(uri: "/users/guests", method: .post, body: .json(body)), body)
            }
            try await expectStatus(.badRequest, await client.execute(uri: "/zx/auth/v3/guests", method: .post))
            try await expectStatus(.badRequest, await client.execute(uri: "/zx/auth/v3/guests?name=", method: .post))

            // The guest's token works on REST; guest restrictions apply (spec §5.5).
            let guestHeaders: HTTPFields = [.cookie: "ZM_AUTH_TOKEN=\(token)"]
            try await expectStatus(.ok, await client.execute(uri: "/meetings", method: .get, headers: guestHeaders))
            try await expectStatus(.ok, await client.execute(uri: "/users/capabilities", method: .get, headers: guestHeaders))
            try await expectStatus(.forbidden, await client.execute(uri: "/rooms", method: .post, headers: guestHeaders, body: .json(
                #"{"type":"group","name":"G","members":[{"userId":"\#(self.alice.id.apiString)"},{"userId":"\#(self.bob.id.apiString)"}]}"#)))

            // A scheduled meeting: the guest waits, the owner accepts, the guest becomes a member and joins.
            let room = try await client.execute(uri: "/rooms", method: .post, headers: server.headers(self.alice), body: .json(
                #"{"type":"temporary","name":"Webinar"}"#)) { try XCTUnwrap($0.jsonObject()["id"] as? String) }
            let meeting = try await client.execute(uri: "/meetings", method: .post, headers: server.headers(self.alice), body: .json(
                #"{"name":"Webinar","meetingType":"scheduled","roomId":"\#(room)"}"#)) { try XCTUnwrap($0.jsonObject()["id"] as? String) }
            try await expectStatus(.forbidden, await client.execute(uri: "/meetings/\(meeting)", method: .get, headers: guestHeaders))
            let name = try await client.execute(uri: "/public/meetings/\(meeting)", method: .get, headers: guestHeaders) { try $0.jsonObject() }
            XCTAssertEqual(name["name"] as? String, "Webinar")
            var queued = guestHeaders
            queued[HTTPFields.Element.Name("queue-id")!] = UUID().apiString
            let join = #"{"audioStreamEnabled":false,"videoStreamEnabled":false}"#
            let waiting = try await client.execute(uri: "/meetings/\(meeting)/join", method: .post, headers: queued, body: .json(join)) { try $0.jsonObject() }
            XCTAssertEqual(waiting["status"] as? String, "WAITING")
            try await expectStatus(.forbidden, await client.execute(uri: "/meetings/\(meeting)/queue/\(id.apiString)", method: .post,
                                                                    headers: guestHeaders, body: .json(#"{"status":"REJECTED"}"#)))
            try await expectStatus(.noContent, await client.execute(uri: "/meetings/\(meeting)/queue/\(id.apiString)", method: .post,
                                                                    headers: server.headers(self.alice), body: .json(#"{"status":"ACCEPTED"}"#)))
            try await expectStatus(.ok, await client.execute(uri: "/meetings/\(meeting)/start", method: .post, headers: server.headers(self.alice)))
            let accepted = try await client.execute(uri: "/meetings/\(meeting)/join", method: .post, headers: queued, body: .json(join)) { try $0.jsonObject() }
            XCTAssertEqual(accepted["status"] as? String, "ACCEPTED")
            try await expectStatus(.forbidden, await client.execute(uri: "/meetings/\(meeting)/stop", method: .post, headers: guestHeaders))
            try await expectStatus(.forbidden, await client.execute(uri: "/rooms/\(room)/members/\(id.apiString)", method: .delete, headers: guestHeaders))
            try await expectStatus(.noContent, await client.execute(uri: "/meetings/\(meeting)/leave", method: .post, headers: guestHeaders))
        }
        }
    }

    func testHealth() async throws {
        let server = try await TestServer.make()  // closes its database itself
        try await server.app.test(.router) { client in
            let health = try await client.execute(uri: "/health", method: .get, headers: [.cookie: "ZM_AUTH_TOKEN=garbage"])
            XCTAssertEqual(health.status, .ok)
            XCTAssertEqual(health.headers[.contentType], "application/json")
            XCTAssertEqual(try health.jsonObject() as NSDictionary, [
                "isLive": true, "isReady": true,
                "dependencies": [["name": "database", "type": "mandatory", "isHealthy": true]],
            ] as NSDictionary)
            try await expectStatus(.noContent, await client.execute(uri: "/health/live", method: .get))
            try await expectStatus(.noContent, await client.execute(uri: "/health/ready", method: .get))
            // The database gone: not ready (424), still live.
            try await TestDatabase.close(server.store)
            try await expectStatus(HTTPResponse.Status(code: 424), await client.execute(uri: "/health/ready", method: .get))
            try await expectStatus(.noContent, await client.execute(uri: "/health/live", method: .get))
            let down = try await client.execute(uri: "/health", method: .get) { try $0.jsonObject() }
            XCTAssertEqual(down["isReady"] as? Bool, false)
        }
    }

    func testRESTVersionHeader() async throws {
        try await TestServer.with { server in
        try await server.seed([alice])
        try await server.app.test(.router) { client in
            let name = HTTPFields.Element.Name("X-WSC-API-VERSION")!
            var headers = try await server.headers(self.alice)
            let plain = try await client.execute(uri: "/meetings", method: .get, headers: headers)
            XCTAssertEqual(plain.headers[name], "1.6.2", "the server's version when none is asked for")
            for (asked, status, echoed) in [
                ("1.6.0", HTTPResponse.Status.ok, "1.6.0"), ("1.6.2", .ok, "1.6.2"), ("1.0.0", .ok, "1.0.0"), ("1.6.2-rc.1", .ok, "1.6.2-rc.1"),
                ("1.6.3", .unprocessableContent, "1.6.2"), ("2.0.0", .unprocessableContent, "1.6.2"),
                ("1.6", .badRequest, "1.6.2"), ("x", .badRequest, "1.6.2"), ("01.6.0", .badRequest, "1.6.2"), ("1.6.0-", .badRequest, "1.6.2"),
                ("", .badRequest, "1.6.2"), ("1.6.99999999999", .badRequest, "1.6.2"),
            ] {
                headers[name] = asked
                let response = try await client.execute(uri: "/meetings", method: .get, headers: headers)
                XCTAssertEqual(response.status, status, asked)
                XCTAssertEqual(response.headers[name], echoed, asked)
            }
            // Refusals happen before authentication; errors of the route itself still echo.
            try await expectStatus(.badRequest, await client.execute(uri: "/meetings", method: .get, headers: [name: "nope"]))
            let unauthorized = try await client.execute(uri: "/meetings", method: .get, headers: [name: "1.6.1"])
            XCTAssertEqual(unauthorized.status, .unauthorized)
            XCTAssertEqual(unauthorized.headers[name], "1.6.1")
        }
        }
    }

    func testVersionParsingAndSubprotocolNegotiation() {
        XCTAssertEqual(APIVersion(parsing: "1.6.2"), APIVersion(1, 6, 2))
        XCTAssertEqual(APIVersion(parsing: " 10.0.7+build.5 "), APIVersion(10, 0, 7))
        for bad in ["", "1", "1.6", "1.6.2.1", "a.b.c", "1.-6.2", "+1.6.2", "1..2", "1.6.2-", "1.6.2+", "١.٦.٢", "1.6.2 x", "00.1.1"] {
            XCTAssertNil(APIVersion(parsing: bad), bad)
        }
        XCTAssertLessThan(APIVersion(1, 6, 0), APIVersion(1, 6, 2))
        XCTAssertLessThan(APIVersion(1, 9, 9), APIVersion(2, 0, 0))

        let table: [([String], String?, EventNaming)] = [
            ([], nil, .v160),
            (["1.6.0"], "1.6.0", .v160),
            (["1.6.1"], "1.6.1", .v160),
            (["1.6.2"], "1.6.2", .pascalCase),
            (["1.6.0, 1.6.2"], "1.6.2", .pascalCase),
            (["1.6.0", "1.6.1"], "1.6.1", .v160),
            (["chat", "1.6.2"], "1.6.2", .pascalCase),
            (["1.7.0"], nil, .pascalCase),
            (["1.5.0"], nil, .v160),
            (["garbage", ""], nil, .v160),
        ]
        for (offers, selected, naming) in table {
            let result = APIVersion.negotiate(subprotocols: offers)
            XCTAssertEqual(result.selected, selected, "\(offers)")
            XCTAssertEqual(result.naming, naming, "\(offers)")
        }
    }
}
