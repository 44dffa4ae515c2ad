import Foundation
import Hummingbird
import HummingbirdTesting
import Meetings
import XCTest
@testable import ParleyServer

/// Every body-taking route with truncated and random bodies: a 4xx, never a 5xx, and no change.
final class HostileBodyTests: XCTestCase {
    let alice = User(id: UUID(), name: "Alice")
    let bob = User(id: UUID(), name: "Bob")
    let carol = User(id: UUID(), name: "Carol")

    func testTruncatedAndRandomBodies() async throws {
        try await TestServer.with { server in
        try await server.seed([alice, bob, carol])
        try await server.app.test(.router) { client in
            let roomBody = #"{"type":"group","name":"R","members":[{"userId":"\#(self.bob.id.apiString)"},{"userId":"\#(self.carol.id.apiString)"}]}"#
            let room = try await client.execute(uri: "/rooms", method: .post, headers: server.headers(self.alice), body: .json(roomBody)) {
                try XCTUnwrap($0.jsonObject()["id"] as? String)
            }
            let meetingBody = #"{"name":"M","meetingType":"permanent","roomId":"\#(room)"}"#
            let meeting = try await client.execute(uri: "/meetings", method: .post, headers: server.headers(self.alice), body: .json(meetingBody)) {
                try XCTUnwrap($0.jsonObject()["id"] as? String)
            }
            let m = "/meetings/\(meeting)"
            try await expectStatus(.ok, await client.execute(uri: "\(m)/start", method: .post, headers: server.headers(self.alice)))
            let queue = UUID().apiString
            let headers = try await server.headers(self.alice, queueId: queue)
            let joinBody = #"{"audioStreamEnabled":false,"videoStreamEnabled":true}"#
            let before = try await server.store.read { try await $0.meetingContext(meetingId: UUID(uuidString: meeting)!) }

            // Valid bodies; every proper prefix of them is invalid JSON or lacks a required field.
            let routes: [(HTTPRequest.Method, String, String)] = [
                (.post, "/rooms", roomBody),
                (.post, "/meetings", meetingBody),
                (.post, "\(m)/join", joinBody),
                (.put, "\(m)/media", #"{"type":"video","enabled":true,"sdp":"v=0"}"#),
                (.put, "\(m)/media/subscribe", #"{"subscribe":[{"userId":"\#(self.bob.id.apiString)","type":"video"}],"unsubscribe":[]}"#),
                (.put, "\(m)/media/answer", #"{"sdp":"v=0"}"#),
                (.post, "\(m)/queue/\(self.bob.id.apiString)", #"{"status":"ACCEPTED"}"#),
                (.put, "\(m)/audio", #"{"enabled":false,"userToModerate":"\#(self.bob.id.apiString)"}"#),
                (.put, "\(m)/audio/offer", #"{"sdp":"v=0"}"#),
                (.put, "\(m)/hand", #"{"raised":true}"#),
                (.post, "\(m)/stopRecording", #"{"name":"Rec","folderId":"f"}"#),
                (.put, "/rooms/\(room)", #"{"name":"N","description":"d"}"#),
                (.post, "/rooms/\(room)/members", #"[{"userId":"\#(self.bob.id.apiString)","owner":false,"historyCleared":false}]"#),
                (.put, "/rooms/\(room)/members/owners", #"[{"userId":"\#(self.bob.id.apiString)","owner":true}]"#),
                (.post, "/users/guests", #"{"name":"Guest"}"#),
            ]
            var generator = SystemRandomNumberGenerator()
            for (method, uri, body) in routes {
                let bytes = Array(body.utf8)
                var bodies = (0..<bytes.count).map { Array(bytes[..<$0]) }
                for length in [1, 7, 64, 1000] {
                    bodies.append((0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) })
                }
                bodies.append(Array(#"{"type":null,"enabled":null,"sdp":null,"subscribe":null,"name":null}"#.utf8))
                bodies.append(Array("[1,2,3]".utf8))
                bodies.append(Array(String(repeating: "[", count: 5000).utf8))
                for candidate in bodies {
                    let response = try await client.execute(uri: uri, method: method, headers: headers, body: ByteBuffer(bytes: candidate))
                    let code = response.status.code
                    XCTAssertTrue((400..<500).contains(code), "\(method) \(uri) with \(candidate.count) bytes -> \(code)")
                }
            }
            let after = try await server.store.read { try await $0.meetingContext(meetingId: UUID(uuidString: meeting)!) }
            XCTAssertEqual(before, after, "hostile bodies changed the meeting or its room")
            let guests = try await server.store.read { try await $0.db.select().column("id").from("users").where("type", .equal, "GUEST").all() }
            XCTAssertEqual(guests.count, 0, "no guest was created")
            XCTAssertTrue(server.plane.calls.isEmpty, "\(server.plane.calls)")
            // A body over the upload limit is refused before decoding.
            let huge = ByteBuffer(repeating: UInt8(ascii: " "), count: 2 << 20)
            try await expectStatus(.contentTooLarge, await client.execute(uri: "\(m)/media/answer", method: .put, headers: headers, body: huge))
        }
        }
    }
}
