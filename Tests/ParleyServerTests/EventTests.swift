import Foundation
import Meetings
import XCTest
@testable import ParleyServer

final class EventEncodingTests: XCTestCase {
    let meeting = UUID(uuidString: "0E3B2C4D-0000-4000-8000-000000000001")!
    let user = UUID(uuidString: "AB000000-0000-4000-8000-000000000002")!
    let date = Date(timeIntervalSince1970: 1_710_768_197)  // 2024-03-18T13:23:17Z

    func decode(_ text: String) throws -> NSDictionary {
        try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? NSDictionary)
    }

    func testWireForms() throws {
        let m = meeting.apiString, u = user.apiString
        let table: [(MeetingEvent, NSDictionary)] = [
            (.meetingStarted(meetingId: meeting, starterUser: user, startedAt: date.addingTimeInterval(0.25)),
             ["type": "MEETING_STARTED", "sentDate": "2024-03-18T13:23:17Z", "meetingId": m, "starterUser": u,
              "startedAt": "2024-03-18T13:23:17.250Z"]),
            (.participantClashed(meetingId: meeting), ["type": "MEETING_PARTICIPANT_CLASHED", "sentDate": "2024-03-18T13:23:17Z", "meetingId": m]),
            (.mediaStreamChanged(meetingId: meeting, userId: user, mediaType: .screen, active: false),
             ["type": "MEETING_MEDIA_STREAM_CHANGED", "sentDate": "2024-03-18T13:23:17Z", "meetingId": m, "userId": u,
              "mediaType": "SCREEN", "active": false]),
            (.sdpAnswered(meetingId: meeting, userId: user, mediaType: .video, sdp: "v=0\r\na=x:1/2\r\n"),
             ["type": "MEETING_SDP_ANSWERED", "sentDate": "2024-03-18T13:23:17Z", "meetingId": m, "userId": u,
              "mediaType": "VIDEO", "sdp": "v=0\r\na=x:1/2\r\n"]),
            (.participantSubscribed(meetingId: meeting, userId: user, streams: [SubscribedStream(type: .screen, userId: user, mid: "3")]),
             ["type": "MEETING_PARTICIPANT_SUBSCRIBED", "sentDate": "2024-03-18T13:23:17Z", "meetingId": m, "userId": u,
              "streams": [["type": "screen", "userId": u, "mid": "3"]]]),
            (.roomMemberAdded(roomId: meeting, userId: user, isOwner: false),
             ["type": "ROOM_MEMBER_ADDED", "sentDate": "2024-03-18T13:23:17Z", "roomId": m, "userId": u, "isOwner": false]),
        ]
        for (event, expected) in table {
            XCTAssertEqual(try decode(EventEncoding.json(event, sentDate: date)), expected, event.type)
        }
        XCTAssertEqual(try decode(EventEncoding.websocketConnected(queueId: user, sentDate: date)),
                       ["type": "websocketConnected", "queueId": u, "sentDate": "2024-03-18T13:23:17Z"])
        XCTAssertTrue(EventEncoding.json(.sdpOffered(meetingId: meeting, userId: user, mediaType: .video, sdp: "a/b"), sentDate: date)
            .contains(#""sdp":"a/b""#), "slashes are not escaped")
    }

    func testPingDetection() {
        for text in [#"{"type":"ping"}"#, #"{"type":"PING","extra":1}"#, #" {"type" : "Ping"} "#] {
            XCTAssertTrue(EventEncoding.isPing(text), text)
        }
        for text in ["", "ping", #"{"type":"pong"}"#, #"{"type":1}"#, "[]", "{", String(repeating: "{", count: 10_000), "\u{0}"] {
            XCTAssertFalse(EventEncoding.isPing(text), text)
        }
    }
}

final class EventHubTests: XCTestCase {
    func testDeliveryByUserAndQueue() async {
        let hub = EventHub()
        let (a, b) = (UUID(), UUID())
        let (qa1, sa1) = hub.connect(userId: a) { "hello \($0)" }
        let (qa2, sa2) = hub.connect(userId: a) { _ in "hello" }
        let (qb, sb) = hub.connect(userId: b) { _ in "hello" }
        let (la1, la2, lb) = (MessageLog.collecting(sa1), MessageLog.collecting(sa2), MessageLog.collecting(sb))
        XCTAssertEqual(hub.queues(of: a), [qa1, qa2])
        XCTAssertEqual(hub.connectionCount, 3)

        hub.send("to-a", to: DeliveryAddresses(users: [a]))
        hub.send("to-qa2", to: DeliveryAddresses(queues: [qa2]))
        hub.send("to-a-and-qa1-once", to: DeliveryAddresses(users: [a], queues: [qa1]))
        hub.send("to-nobody", to: DeliveryAddresses(users: [UUID()], queues: [UUID()]))
        hub.send("to-b", to: DeliveryAddresses(users: [b]))
        await assertEventually { la1.messages.count == 3 && la2.messages.count == 4 && lb.messages.count == 2 }
        XCTAssertEqual(la1.messages, ["hello \(qa1)", "to-a", "to-a-and-qa1-once"])
        XCTAssertEqual(la2.messages, ["hello", "to-a", "to-qa2", "to-a-and-qa1-once"])
        XCTAssertEqual(lb.messages, ["hello", "to-b"])

        hub.disconnect(queueId: qa1)
        hub.disconnect(queueId: qa1)  // twice is harmless
        hub.send("after", to: DeliveryAddresses(users: [a]))
        await assertEventually { la2.messages.last == "after" }
        XCTAssertEqual(la1.messages.last, "to-a-and-qa1-once")
        XCTAssertEqual(hub.queues(of: a), [qa2])
        hub.disconnect(queueId: qa2)
        hub.disconnect(queueId: qb)
        XCTAssertEqual(hub.connectionCount, 0)
        XCTAssertEqual(hub.queues(of: a), [])
    }

    func testSlowConsumerDropsInsteadOfGrowing() {
        let hub = EventHub()
        let user = UUID()
        let (_, stream) = hub.connect(userId: user) { _ in "hello" }
        for i in 0..<(EventHub.bufferLimit + 10) { hub.send("m\(i)", to: DeliveryAddresses(users: [user])) }
        XCTAssertEqual(hub.droppedCount, 11, "the welcome message plus bufferLimit-1 events fit")
        _ = stream
    }
}
