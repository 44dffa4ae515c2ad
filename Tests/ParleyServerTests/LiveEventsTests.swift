#if canImport(HummingbirdWSTesting) && canImport(Glibc)
import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdWSTesting
import Meetings
import XCTest
@testable import ParleyServer

/// The live WebSocket `/events` beyond issue 2: versioned event names, server keep-alive pings,
/// guests on the socket, waiting-queue cleanup on close (spec §4.1, §9).
final class LiveEventsTests: XCTestCase {
    let alice = User(id: UUID(), name: "Alice")
    let bob = User(id: UUID(), name: "Bob")
    let carol = User(id: UUID(), name: "Carol")

    func json(_ frame: RawWebSocket.Frame) throws -> [String: Any] {
        XCTAssertEqual(frame.opcode, RawWebSocket.text)
        return try parseEvent(try XCTUnwrap(frame.text))
    }

    func testSubprotocolChoosesEventNames() async throws {
        try await TestServer.with { server in
        try await server.seed([alice, bob, carol])
        try await server.app.test(.live) { client in
            let port = try XCTUnwrap(client.port)
            let token = try await server.token(self.bob)
            let (current, status, headers) = try await RawWebSocket.connect(
                port: port, headers: [("Cookie", "ZM_AUTH_TOKEN=\(token)"), ("Sec-WebSocket-Protocol", "1.6.0, 1.6.2")])
            XCTAssertEqual(status, 101)
            XCTAssertEqual(headers["sec-websocket-protocol"], "1.6.2", "the chosen version is echoed")
            let (legacy, legacyStatus, legacyHeaders) = try await RawWebSocket.connect(port: port, headers: [("Cookie", "ZM_AUTH_TOKEN=\(token)")])
            XCTAssertEqual(legacyStatus, 101)
            XCTAssertNil(legacyHeaders["sec-websocket-protocol"])
            let (older, _, olderHeaders) = try await RawWebSocket.connect(
                port: port, headers: [("Cookie", "ZM_AUTH_TOKEN=\(token)"), ("Sec-WebSocket-Protocol", "1.6.1")])
            XCTAssertEqual(olderHeaders["sec-websocket-protocol"], "1.6.1")

            let welcome = try self.json(try await current.readMessage(timeout: 5))
            XCTAssertEqual(welcome["type"] as? String, "WebsocketConnected")
            XCTAssertNotNil(UUID(uuidString: try XCTUnwrap(welcome["queueId"] as? String)))
            XCTAssertNotNil(welcome["sentDate"] as? String)
            let legacyWelcome = try self.json(try await legacy.readMessage(timeout: 5))
            XCTAssertEqual(legacyWelcome["type"] as? String, "websocketConnected")
            let olderWelcome = try self.json(try await older.readMessage(timeout: 5))
            XCTAssertEqual(olderWelcome["type"] as? String, "websocketConnected")

            try await current.sendText(#"{"type":"ping"}"#)
            let pong = try await current.readMessage(timeout: 5)
            XCTAssertEqual(pong.text, #"{"type":"Pong"}"#)
            try await legacy.sendText(#"{"type":"PING"}"#)
            let legacyPong = try await legacy.readMessage(timeout: 5)
            XCTAssertEqual(legacyPong.text, #"{"type":"pong"}"#)
            // Unknown and malformed messages are ignored and counted; the connection stays.
            try await current.sendText(#"{"type":"subscribe","x":1}"#)
            try await current.sendText("not json")
            try await current.sendText("   ")
            try await current.sendText(#"{"type":"ping"}"#)
            let secondPong = try await current.readMessage(timeout: 5)
            XCTAssertEqual(secondPong.text, #"{"type":"Pong"}"#)
            XCTAssertEqual(server.hub.ignoredCount, 2)

            // The same domain event, spelled per connection.
            try await expectStatus(.created, await client.execute(uri: "/rooms", method: .post, headers: server.headers(self.alice), body: .json(
                #"{"type":"group","name":"R","members":[{"userId":"\#(self.bob.id.apiString)"},{"userId":"\#(self.carol.id.apiString)"}]}"#)))
            let pascal = try self.json(try await current.readMessage(timeout: 5))
            XCTAssertEqual(pascal["type"] as? String, "RoomCreated")
            let snake = try self.json(try await legacy.readMessage(timeout: 5))
            XCTAssertEqual(snake["type"] as? String, "ROOM_CREATED")
            XCTAssertEqual(pascal["roomId"] as? String, snake["roomId"] as? String)
            XCTAssertEqual(EventEncoding.pascalCase("MEETING_PARTICIPANT_HAND_RAISED_LIST"), "MeetingParticipantHandRaisedList")
            XCTAssertEqual(EventEncoding.pascalCase("websocketConnected"), "WebsocketConnected")
        }
        }
    }

    func testServerPingsAndClosesUnresponsiveClients() async throws {
        try await TestServer.with(configure: { $0.webSocketPingInterval = 0.25 }) { server in
        try await server.seed([alice, bob, carol])
        try await server.app.test(.live) { client in
            let port = try XCTUnwrap(client.port)
            let cookie = ("Cookie", "ZM_AUTH_TOKEN=\(try await server.token(self.bob))")
            let (silent, _, _) = try await RawWebSocket.connect(port: port, headers: [cookie])
            let (polite, _, _) = try await RawWebSocket.connect(port: port, headers: [cookie])
            let welcome = try self.json(try await silent.readFrame(timeout: 5))
            let queueId = try XCTUnwrap(welcome["queueId"] as? String)
            _ = try await polite.readFrame(timeout: 5)
            // The polite client answers every ping, from the start.
            let politePings = Task { () -> Int in
                var pings = 0
                while !Task.isCancelled {
                    guard let frame = try? await polite.readFrame(timeout: 0.2) else { continue }
                    if frame.opcode == RawWebSocket.ping {
                        pings += 1
                        try? await polite.send(opcode: RawWebSocket.pong, frame.payload)
                    }
                }
                return pings
            }

            // The silent client is a meeting participant: its closure must remove it.
            let room = try await client.execute(uri: "/rooms", method: .post, headers: server.headers(self.alice), body: .json(
                #"{"type":"group","name":"R","members":[{"userId":"\#(self.bob.id.apiString)"},{"userId":"\#(self.carol.id.apiString)"}]}"#)) {
                try XCTUnwrap($0.jsonObject()["id"] as? String)
            }
            let meeting = try await client.execute(uri: "/meetings", method: .post, headers: server.headers(self.alice), body: .json(
                #"{"name":"M","meetingType":"permanent","roomId":"\#(room)"}"#)) { try XCTUnwrap($0.jsonObject()["id"] as? String) }
            try await expectStatus(.ok, await client.execute(uri: "/meetings/\(meeting)/start", method: .post, headers: server.headers(self.alice)))
            try await expectStatus(.ok, await client.execute(uri: "/meetings/\(meeting)/join", method: .post,
                                                             headers: server.headers(self.bob, queueId: queueId),
                                                             body: .json(#"{"audioStreamEnabled":false,"videoStreamEnabled":false}"#)))

            // Ping frames arrive every interval; the silent one never answers and is closed
            // (close frame "Ping timeout", then the TCP connection).
            var sawPing = false, closed = false
            let deadline = Date().addingTimeInterval(5)
            while Date() < deadline && !closed {
                do {
                    let frame = try await silent.readFrame(timeout: 1)
                    if frame.opcode == RawWebSocket.ping { sawPing = true }
                    if frame.opcode == RawWebSocket.close { closed = true }
                } catch RawWebSocket.RawError.closed {
                    closed = true
                } catch RawWebSocket.RawError.timeout {
                    continue
                }
            }
            XCTAssertTrue(sawPing, "the server sends ping frames")
            XCTAssertTrue(closed, "an unanswered ping closes the connection")
            await assertEventually { server.hub.connectionCount == 1 }
            // The removal runs after the close (a storage transaction; slower on PostgreSQL): poll.
            var remaining: Int?
            for _ in 0..<50 {
                let after = try await client.execute(uri: "/meetings/\(meeting)", method: .get,
                                                     headers: server.headers(self.alice)) { try $0.jsonObject() }
                remaining = (after["participants"] as? [Any])?.count
                if remaining == 0 { break }
                try await Task.sleep(nanoseconds: 100_000_000)
            }
            XCTAssertEqual(remaining, 0, "closing the socket removed the participant")

            // Meanwhile the polite client answered every ping and is still connected.
            try await Task.sleep(nanoseconds: 500_000_000)
            politePings.cancel()
            let pings = await politePings.value
            XCTAssertGreaterThanOrEqual(pings, 3)
            XCTAssertEqual(server.hub.connectionCount, 1)
        }
        }
    }

    func testGuestSocketAndWaitingCleanupOnClose() async throws {
        try await TestServer.with { server in
        try await server.seed([alice, bob])
        try await server.app.test(.live) { client in
            let guest = try await client.execute(uri: "/users/guests", method: .post, body: .json(#"{"name":"Visitor"}"#)) { try $0.jsonObject() }
            let guestToken = try XCTUnwrap(guest["zmToken"] as? String)
            let guestId = try XCTUnwrap(guest["id"] as? String)
            let guestEvents = EventsClient(), aliceEvents = EventsClient()
            guestEvents.start(client, headers: [.cookie: "ZM_AUTH_TOKEN=\(guestToken)"])
            aliceEvents.start(client, headers: try await server.headers(self.alice))
            let announced = await guestEvents.queueId()
            let guestQueue = try XCTUnwrap(announced, "a guest token opens the WebSocket")
            _ = await aliceEvents.queueId()

            let room = try await client.execute(uri: "/rooms", method: .post, headers: server.headers(self.alice), body: .json(
                #"{"type":"temporary","name":"Webinar"}"#)) { try XCTUnwrap($0.jsonObject()["id"] as? String) }
            let meeting = try await client.execute(uri: "/meetings", method: .post, headers: server.headers(self.alice), body: .json(
                #"{"name":"Webinar","meetingType":"scheduled","roomId":"\#(room)"}"#)) { try XCTUnwrap($0.jsonObject()["id"] as? String) }
            var headers: HTTPFields = [.cookie: "ZM_AUTH_TOKEN=\(guestToken)"]
            headers[HTTPFields.Element.Name("queue-id")!] = guestQueue
            let waiting = try await client.execute(uri: "/meetings/\(meeting)/join", method: .post, headers: headers,
                                                   body: .json(#"{"audioStreamEnabled":false,"videoStreamEnabled":false}"#)) { try $0.jsonObject() }
            XCTAssertEqual(waiting["status"] as? String, "WAITING")
            await assertEventually { aliceEvents.log.events("MEETING_WAITING_PARTICIPANT_JOINED").count == 1 }

            // The guest's socket closes: the waiting entry goes as if rejected, the owner is told.
            await guestEvents.close()
            await assertEventually { aliceEvents.log.events("MEETING_WAITING_PARTICIPANT_REJECTED").count == 1 }
            XCTAssertEqual(aliceEvents.log.events("MEETING_WAITING_PARTICIPANT_REJECTED").first?["userId"] as? String, guestId)
            let queue = try await client.execute(uri: "/meetings/\(meeting)/queue", method: .get, headers: server.headers(self.alice)) { try $0.jsonObject() }
            XCTAssertEqual(queue as NSDictionary, ["users": []] as NSDictionary)
            await aliceEvents.close()
        }
        }
    }
}
#endif
