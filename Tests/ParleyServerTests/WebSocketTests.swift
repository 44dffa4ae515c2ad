#if canImport(HummingbirdWSTesting)
import Foundation
import Hummingbird
import HummingbirdTesting
import HummingbirdWSTesting
import Logging
import Meetings
import XCTest
@testable import ParleyServer

/// A live WebSocket client of `/events`: records every text message; `send` queues a message;
/// `close()` ends the connection from the client side.
final class EventsClient: @unchecked Sendable {
    let log = MessageLog()
    private let outgoing: AsyncStream<String>
    private let continuation: AsyncStream<String>.Continuation
    private var task: Task<Void, any Error>?

    init() {
        (outgoing, continuation) = AsyncStream<String>.makeStream()
    }

    /// Connects with `headers`; the returned task ends when the connection does.
    func start(_ client: any TestClientProtocol, headers: HTTPFields) {
        let log = self.log
        let outgoing = self.outgoing
        task = Task {
            try await client.ws("/events", configuration: .init(additionalHeaders: headers)) { inbound, outbound, _ in
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        for try await message in inbound.messages(maxSize: 1 << 20) {
                            if case .text(let text) = message { log.append(text) }
                        }
                    }
                    for await text in outgoing { try await outbound.write(.text(text)) }
                    try await outbound.close(.normalClosure, reason: nil)
                    try await group.waitForAll()
                }
            }
        }
    }

    func send(_ text: String) { continuation.yield(text) }

    /// Closes from the client side and waits for the connection to end.
    func close() async {
        continuation.finish()
        _ = try? await task?.value
    }

    /// The task's outcome (throws if the upgrade was refused).
    func finished() async throws { try await task?.value }

    /// The queue id announced by `websocketConnected`.
    func queueId() async -> String? {
        guard await eventually({ !self.log.events("websocketConnected").isEmpty }) else { return nil }
        return log.events("websocketConnected").first?["queueId"] as? String
    }
}

final class WebSocketTests: XCTestCase {
    let alice = User(id: UUID(), name: "Alice")
    let bob = User(id: UUID(), name: "Bob")
    let carol = User(id: UUID(), name: "Carol")

    func testUpgradeNeedsAToken() async throws {
        try await TestServer.with { server in
        try await server.app.test(.live) { client in
            for headers: HTTPFields in [[:], [.cookie: "ZM_AUTH_TOKEN=garbage"]] {
                let events = EventsClient()
                events.start(client, headers: headers)
                do {
                    try await events.finished()
                    XCTFail("upgrade accepted without a valid token")
                } catch {}
                XCTAssertEqual(events.log.messages, [])
            }
            XCTAssertEqual(server.hub.connectionCount, 0)
            // The refused upgrade answers 401, not HummingbirdWebSocket's default 400.
            for token in [nil, "garbage", try await server.token(self.alice) + "x"] {
                var headers: HTTPFields = [
                    .connection: "Upgrade", .upgrade: "websocket", .secWebSocketVersion: "13",
                    .secWebSocketKey: "dGhlIHNhbXBsZSBub25jZQ==",
                ]
                if let token { headers[.cookie] = "ZM_AUTH_TOKEN=\(token)" }
                // The refusal closes the connection: one fresh client per attempt.
                let raw = TestClient(host: "localhost", port: try XCTUnwrap(client.port), configuration: .init(timeout: .seconds(10)))
                raw.connect()
                let response = try await raw.execute(.init("/events", method: .get, headers: headers))
                try await raw.shutdown()
                XCTAssertEqual(response.status, .unauthorized, token ?? "no token")
                XCTAssertEqual(response.body?.readableBytes ?? 0, 0)
            }
        }
        }
    }

    func testConnectPingEventsAndCloseCleanup() async throws {
        try await TestServer.with { server in
        try await server.seed([alice, bob, carol])
        try await server.app.test(.live) { client in
            let aliceEvents = EventsClient(), bobEvents = EventsClient()
            aliceEvents.start(client, headers: try await server.headers(self.alice))
            bobEvents.start(client, headers: try await server.headers(self.bob))
            let announcedA = await aliceEvents.queueId()
            let announcedB = await bobEvents.queueId()
            let qa = try XCTUnwrap(announcedA)
            let qb = try XCTUnwrap(announcedB)
            XCTAssertNotNil(UUID(uuidString: qa))
            XCTAssertNotEqual(qa, qb)
            XCTAssertEqual(aliceEvents.log.types.first, "websocketConnected")

            aliceEvents.send(#"{"type":"ping"}"#)
            aliceEvents.send("not json at all")  // ignored, the connection stays open
            aliceEvents.send(#"{"type":"ping"}"#)
            await assertEventually { aliceEvents.log.messages.filter { $0 == #"{"type":"pong"}"# }.count == 2 }
            XCTAssertFalse(bobEvents.log.messages.contains(#"{"type":"pong"}"#), "pong goes to the pinging connection only")

            // Room + meeting via REST; both join with their queue ids.
            let room = try await client.execute(uri: "/rooms", method: .post, headers: server.headers(self.alice), body: .json(
                #"{"type":"group","name":"R","members":[{"userId":"\#(self.bob.id.apiString)"},{"userId":"\#(self.carol.id.apiString)"}]}"#)) {
                try XCTUnwrap($0.jsonObject()["id"] as? String)
            }
            let meeting = try await client.execute(uri: "/meetings", method: .post, headers: server.headers(self.alice), body: .json(
                #"{"name":"M","meetingType":"permanent","roomId":"\#(room)"}"#)) { try XCTUnwrap($0.jsonObject()["id"] as? String) }
            let m = "/meetings/\(meeting)"
            let join = ByteBuffer.json(#"{"audioStreamEnabled":true,"videoStreamEnabled":true}"#)
            try await expectStatus(.ok, await client.execute(uri: "\(m)/start", method: .post, headers: server.headers(self.alice)))
            try await expectStatus(.ok, await client.execute(uri: "\(m)/join", method: .post, headers: server.headers(self.alice, queueId: qa), body: join))
            try await expectStatus(.ok, await client.execute(uri: "\(m)/join", method: .post, headers: server.headers(self.bob, queueId: qb), body: join))
            await assertEventually { bobEvents.log.events("MEETING_PARTICIPANT_JOINED").count == 2 }
            XCTAssertEqual(bobEvents.log.types, ["websocketConnected", "ROOM_CREATED", "MEETING_CREATED", "MEETING_STARTED",
                                                 "MEETING_PARTICIPANT_JOINED", "MEETING_PARTICIPANT_JOINED"])

            // Bob's connection closes: he leaves the meeting (LEFT to members), the meeting goes on.
            await bobEvents.close()
            await assertEventually { aliceEvents.log.events("MEETING_PARTICIPANT_LEFT").count == 1 }
            XCTAssertEqual(aliceEvents.log.events("MEETING_PARTICIPANT_LEFT").first?["userId"] as? String, self.bob.id.apiString)
            let afterBob = try await client.execute(uri: m, method: .get, headers: server.headers(self.alice)) { try $0.jsonObject() }
            XCTAssertEqual((afterBob["participants"] as? [[String: Any]])?.map { $0["userId"] as? String }, [self.alice.id.apiString])
            XCTAssertEqual(afterBob["active"] as? Bool, true)

            // Alice's closes too: she was the last participant, so the meeting stops.
            await aliceEvents.close()
            let stopped = await eventually {
                server.plane.calls.contains(.closeMeeting(meetingId: UUID(uuidString: meeting)!))
            }
            XCTAssertTrue(stopped, "\(server.plane.calls)")
            let final = try await client.execute(uri: m, method: .get, headers: server.headers(self.carol)) { try $0.jsonObject() }
            XCTAssertEqual(final["active"] as? Bool, false)
            XCTAssertEqual((final["participants"] as? [Any])?.count, 0)
            await assertEventually { server.hub.connectionCount == 0 }
        }
        }
    }
}
#endif
