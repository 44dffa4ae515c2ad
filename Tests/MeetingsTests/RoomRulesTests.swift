import Foundation
import XCTest
@testable import Meetings

final class RoomRulesTests: XCTestCase {
    typealias F = Fixture
    let u6 = Fixture.uuid(6)
    let u7 = Fixture.uuid(7)

    func testCreateRoomTable() {
        let known: Set<UUID> = [F.member.id, F.stranger.id, u6]
        let m = { (id: UUID) in MemberRequest(userId: id) }
        let rows: [(String, RoomCreation, User, Bool, MeetingError?)] = [
            ("group ok", .init(type: .group, name: "G", description: "d", members: [m(F.member.id), m(u6)]), F.owner, false, nil),
            ("group needs two others", .init(type: .group, name: "G", description: nil, members: [m(F.member.id)]), F.owner, false,
             .invalidRequest("group rooms need 2..128 other members")),
            ("group needs a name", .init(type: .group, name: nil, description: nil, members: [m(F.member.id), m(u6)]), F.owner, false,
             .invalidRequest("name must be 1..128 characters")),
            ("group empty name", .init(type: .group, name: "", description: nil, members: [m(F.member.id), m(u6)]), F.owner, false,
             .invalidRequest("name must be 1..128 characters")),
            ("group name too long", .init(type: .group, name: String(repeating: "n", count: 129), description: nil,
                                          members: [m(F.member.id), m(u6)]), F.owner, false,
             .invalidRequest("name must be 1..128 characters")),
            ("description too long", .init(type: .group, name: "G", description: String(repeating: "d", count: 257),
                                           members: [m(F.member.id), m(u6)]), F.owner, false,
             .invalidRequest("description longer than 256")),
            ("duplicates", .init(type: .group, name: "G", description: nil, members: [m(u6), m(u6)]), F.owner, false,
             .invalidRequest("duplicate members")),
            ("requester listed", .init(type: .group, name: "G", description: nil, members: [m(F.owner.id), m(u6)]), F.owner, false,
             .invalidRequest("the requester is listed among the members")),
            ("unknown member", .init(type: .group, name: "G", description: nil, members: [m(u6), m(u7)]), F.owner, false,
             .userNotFound),
            ("guest refused", .init(type: .group, name: "G", description: nil, members: [m(F.member.id), m(u6)]), F.guestStranger, false,
             .guestNotAllowed),
            ("temporary alone ok", .init(type: .temporary, name: "T", description: nil, members: []), F.owner, false, nil),
            ("one_to_one ok", .init(type: .oneToOne, name: nil, description: nil, members: [m(F.member.id)]), F.owner, false, nil),
            ("one_to_one with name", .init(type: .oneToOne, name: "x", description: nil, members: [m(F.member.id)]), F.owner, false,
             .invalidRequest("one_to_one rooms have no name or description")),
            ("one_to_one two members", .init(type: .oneToOne, name: nil, description: nil, members: [m(F.member.id), m(u6)]), F.owner,
             false, .invalidRequest("one_to_one rooms need exactly one other member")),
            ("one_to_one exists", .init(type: .oneToOne, name: nil, description: nil, members: [m(F.member.id)]), F.owner, true,
             .oneToOneRoomExists),
        ]
        for (name, fields, user, exists, expected) in rows {
            do {
                let t = try RoomRules.createRoom(
                    fields, by: user, id: F.roomId, now: F.t0, knownUsers: known, oneToOneExists: exists)
                XCTAssertNil(expected, "\(name): expected \(String(describing: expected))")
                XCTAssertEqual(t.room.members.first, Member(userId: user.id, owner: true, joinedAt: F.t0), name)
                XCTAssertEqual(t.room.members.count, fields.members.count + 1, name)
                XCTAssertEqual(t.events.map(\.event), [.roomCreated(roomId: F.roomId)], name)
                XCTAssertEqual(t.events[0].addresses.users, Set(t.room.memberIds), name)
                if fields.type == .oneToOne {
                    XCTAssertTrue(t.room.members.allSatisfy(\.owner), "\(name): both one_to_one members are owners")
                }
            } catch {
                XCTAssertEqual(error, expected, name)
            }
        }
    }

    func testCreateMeeting() throws {
        var room = F.room
        room.meetingId = nil
        let t = try RoomRules.createMeeting(
            in: room, by: F.member, name: "M", type: .permanent, expiration: F.t1, id: F.meetingId, now: F.t0)
        XCTAssertEqual(t.room.meetingId, F.meetingId)
        XCTAssertEqual(t.meeting, Meeting(id: F.meetingId, roomId: F.roomId, name: "M", meetingType: .permanent, createdAt: F.t0))
        XCTAssertEqual(t.events.map(\.event), [.meetingCreated(meetingId: F.meetingId, roomId: F.roomId)])
        XCTAssertEqual(t.events[0].addresses.users, F.allMembers)

        let scheduled = try RoomRules.createMeeting(
            in: room, by: F.owner, name: "", type: .scheduled, expiration: F.t1, id: F.meetingId, now: F.t0)
        XCTAssertEqual(scheduled.meeting?.expiration, F.t1, "scheduled meetings keep their expiration")

        let cases: [(Room, User, MeetingError)] = [
            (F.room, F.member, .roomAlreadyHasMeeting),
            (room, F.stranger, .notRoomMember),
            (room, F.guestMember, .guestNotAllowed),
        ]
        for (room, user, expected) in cases {
            XCTAssertThrowsError(try RoomRules.createMeeting(
                in: room, by: user, name: "M", type: .permanent, expiration: nil, id: F.meetingId, now: F.t0)) {
                XCTAssertEqual($0 as? MeetingError, expected)
            }
        }
    }
}
