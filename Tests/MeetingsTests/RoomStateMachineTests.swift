import Foundation
import XCTest
@testable import Meetings

/// Every room command and permission rule (spec §1.3, §5.1, §5.2) as one table, plus the
/// recipients of the room events.
final class RoomStateMachineTests: XCTestCase {
    typealias F = Fixture
    static let owner2 = User(id: Fixture.uuid(8), name: "Second owner")
    static let newcomer = User(id: Fixture.uuid(9), name: "Newcomer")

    /// The fixture room (owner, member, guest member) with its meeting.
    static func context(
        type: RoomType = .group, extraOwner: Bool = false, participants: [(User, UUID)] = [], active: Bool = true,
        waiting: [WaitingParticipant] = [], meeting: Bool = true
    ) -> RoomContext {
        let meetingContext = F.context(type: .scheduled, active: active, participants: participants, waiting: waiting)
        var room = meetingContext.room
        room.type = type
        if extraOwner { room.members.append(Member(userId: owner2.id, owner: true, joinedAt: F.t0)) }
        if !meeting { room.meetingId = nil }
        return RoomContext(room: room, meeting: meeting ? meetingContext.meeting : nil, waitingList: meeting ? waiting : [])
    }

    static func alone(_ user: User) -> RoomContext {
        var context = Self.context(meeting: false)
        context.room.members = [Member(userId: user.id, owner: true, joinedAt: F.t0)]
        return context
    }

    struct Row {
        var name: String
        var context: RoomContext
        var command: RoomCommand
        var error: MeetingError?
        var eventTypes: [String] = []
        var effects: [MediaEffect] = []
        var members: [UUID]? = nil
        var owners: [UUID]? = nil
        var roomDeleted = false
        var meetingDeleted = false
    }

    func testCommandTable() {
        let m = { (user: User, owner: Bool) in MemberRequest(userId: user.id, owner: owner) }
        let base = [F.owner.id, F.member.id, F.guestMember.id]
        let known: Set<UUID> = [Self.newcomer.id, F.stranger.id]
        func add(_ by: User, _ members: [MemberRequest], max: Int = 128) -> RoomCommand {
            .addMembers(by: by, members: members, knownUsers: known, maxGroupMembers: max)
        }
        let rows: [Row] = [
            // update (PUT /rooms/{id})
            Row(name: "owner renames", context: Self.context(), command: .update(by: F.owner, name: "New", description: nil),
                eventTypes: ["ROOM_UPDATED"]),
            Row(name: "owner sets description only", context: Self.context(), command: .update(by: F.owner, name: nil, description: ""),
                eventTypes: ["ROOM_UPDATED"]),
            Row(name: "member cannot update", context: Self.context(), command: .update(by: F.member, name: "x", description: nil),
                error: .notRoomOwner),
            Row(name: "stranger cannot update", context: Self.context(), command: .update(by: F.stranger, name: "x", description: nil),
                error: .notRoomMember),
            Row(name: "guest cannot update", context: Self.context(), command: .update(by: F.guestMember, name: "x", description: nil),
                error: .guestNotAllowed),
            Row(name: "one_to_one cannot be updated", context: Self.context(type: .oneToOne), command: .update(by: F.owner, name: "x", description: nil),
                error: .invalidRequest("one_to_one rooms cannot be updated")),
            Row(name: "update needs a field", context: Self.context(), command: .update(by: F.owner, name: nil, description: nil),
                error: .invalidRequest("neither name nor description given")),
            Row(name: "empty name", context: Self.context(), command: .update(by: F.owner, name: "", description: nil),
                error: .invalidRequest("name must be 1..128 characters")),
            Row(name: "name too long", context: Self.context(), command: .update(by: F.owner, name: String(repeating: "é", count: 129), description: nil),
                error: .invalidRequest("name must be 1..128 characters")),
            Row(name: "description too long", context: Self.context(), command: .update(by: F.owner, name: nil, description: String(repeating: "d", count: 257)),
                error: .invalidRequest("description longer than 256")),

            // delete (DELETE /rooms/{id}): the meeting goes first
            Row(name: "owner deletes room with idle meeting", context: Self.context(active: false), command: .delete(by: F.owner),
                eventTypes: ["MEETING_DELETED", "ROOM_DELETED"], effects: [.closeMeeting], roomDeleted: true, meetingDeleted: true),
            Row(name: "owner deletes room with running meeting", context: Self.context(participants: [(F.member, F.queueA)]),
                command: .delete(by: F.owner), eventTypes: ["MEETING_STOPPED", "MEETING_DELETED", "ROOM_DELETED"],
                effects: [.closeMeeting], roomDeleted: true, meetingDeleted: true),
            Row(name: "owner deletes room without meeting", context: Self.context(meeting: false), command: .delete(by: F.owner),
                eventTypes: ["ROOM_DELETED"], roomDeleted: true),
            Row(name: "member cannot delete room", context: Self.context(), command: .delete(by: F.member), error: .notRoomOwner),
            Row(name: "guest cannot delete room", context: Self.context(), command: .delete(by: F.guestMember), error: .guestNotAllowed),
            Row(name: "one_to_one cannot be deleted", context: Self.context(type: .oneToOne), command: .delete(by: F.owner),
                error: .forbidden("one_to_one rooms cannot be deleted")),

            // add members
            Row(name: "owner adds a member", context: Self.context(), command: add(F.owner, [m(Self.newcomer, false)]),
                eventTypes: ["ROOM_MEMBER_ADDED"], members: base + [Self.newcomer.id], owners: [F.owner.id]),
            Row(name: "owner adds an owner and a member", context: Self.context(), command: add(F.owner, [m(Self.newcomer, true), m(F.stranger, false)]),
                eventTypes: ["ROOM_MEMBER_ADDED", "ROOM_MEMBER_ADDED"], members: base + [Self.newcomer.id, F.stranger.id],
                owners: [F.owner.id, Self.newcomer.id]),
            Row(name: "member cannot add", context: Self.context(), command: add(F.member, [m(Self.newcomer, false)]), error: .notRoomOwner),
            Row(name: "guest cannot add", context: Self.context(), command: add(F.guestMember, [m(Self.newcomer, false)]), error: .guestNotAllowed),
            Row(name: "no members to add", context: Self.context(), command: add(F.owner, []), error: .invalidRequest("no members given")),
            Row(name: "duplicate additions", context: Self.context(), command: add(F.owner, [m(Self.newcomer, false), m(Self.newcomer, true)]),
                error: .invalidRequest("duplicate members")),
            Row(name: "already a member", context: Self.context(), command: add(F.owner, [m(F.member, false)]),
                error: .invalidRequest("already a member")),
            Row(name: "unknown user", context: Self.context(), command: add(F.owner, [m(F.guestStranger, false)]), error: .userNotFound),
            Row(name: "full group", context: Self.context(), command: add(F.owner, [m(Self.newcomer, false)], max: 3),
                error: .invalidRequest("group is full (3 members)")),
            Row(name: "temporary rooms have no size limit", context: Self.context(type: .temporary), command: add(F.owner, [m(Self.newcomer, false)], max: 3),
                eventTypes: ["ROOM_MEMBER_ADDED"], members: base + [Self.newcomer.id]),
            Row(name: "one_to_one members are fixed", context: Self.context(type: .oneToOne), command: add(F.owner, [m(Self.newcomer, false)]),
                error: .invalidRequest("one_to_one rooms have fixed members")),

            // remove members
            Row(name: "owner removes a member", context: Self.context(), command: .removeMember(by: F.owner, userId: F.member.id),
                eventTypes: ["ROOM_MEMBER_REMOVED"], members: [F.owner.id, F.guestMember.id]),
            Row(name: "member leaves the room", context: Self.context(), command: .removeMember(by: F.member, userId: F.member.id),
                eventTypes: ["ROOM_MEMBER_REMOVED"], members: [F.owner.id, F.guestMember.id]),
            Row(name: "participant is removed from the meeting first",
                context: Self.context(participants: [(F.member, F.queueA), (F.owner, F.queueB)]),
                command: .removeMember(by: F.owner, userId: F.member.id),
                eventTypes: ["MEETING_PARTICIPANT_LEFT", "ROOM_MEMBER_REMOVED"], effects: [.removeParticipant(userId: F.member.id)],
                members: [F.owner.id, F.guestMember.id]),
            Row(name: "removing the last participant stops the meeting", context: Self.context(participants: [(F.member, F.queueA)]),
                command: .removeMember(by: F.member, userId: F.member.id),
                eventTypes: ["MEETING_PARTICIPANT_LEFT", "MEETING_STOPPED", "ROOM_MEMBER_REMOVED"],
                effects: [.removeParticipant(userId: F.member.id), .closeMeeting], members: [F.owner.id, F.guestMember.id]),
            Row(name: "a waiting member is taken off the queue",
                context: Self.context(waiting: [.init(userId: F.member.id, queueId: F.queueA, status: .waiting)]),
                command: .removeMember(by: F.owner, userId: F.member.id),
                eventTypes: ["MEETING_WAITING_PARTICIPANT_REJECTED", "ROOM_MEMBER_REMOVED"], members: [F.owner.id, F.guestMember.id]),
            Row(name: "member cannot remove others", context: Self.context(), command: .removeMember(by: F.member, userId: F.guestMember.id),
                error: .notRoomOwner),
            Row(name: "guest cannot remove even himself", context: Self.context(), command: .removeMember(by: F.guestMember, userId: F.guestMember.id),
                error: .guestNotAllowed),
            Row(name: "stranger cannot remove", context: Self.context(), command: .removeMember(by: F.stranger, userId: F.stranger.id),
                error: .notRoomMember),
            Row(name: "removing a non-member", context: Self.context(), command: .removeMember(by: F.owner, userId: F.stranger.id),
                error: .notInRoom),
            Row(name: "last owner cannot leave others behind", context: Self.context(), command: .removeMember(by: F.owner, userId: F.owner.id),
                error: .invalidRequest("the last owner cannot leave while other members remain")),
            Row(name: "an owner leaves when another remains", context: Self.context(extraOwner: true),
                command: .removeMember(by: F.owner, userId: F.owner.id),
                eventTypes: ["ROOM_MEMBER_REMOVED"], members: [F.member.id, F.guestMember.id, Self.owner2.id], owners: [Self.owner2.id]),
            Row(name: "one_to_one members cannot leave", context: Self.context(type: .oneToOne), command: .removeMember(by: F.member, userId: F.member.id),
                error: .invalidRequest("one_to_one rooms have fixed members")),
            Row(name: "the last member leaving deletes the room", context: Self.alone(F.owner),
                command: .removeMember(by: F.owner, userId: F.owner.id),
                eventTypes: ["ROOM_MEMBER_REMOVED", "ROOM_DELETED"], members: [], roomDeleted: true),

            // ownership
            Row(name: "owner promotes", context: Self.context(), command: .setOwner(by: F.owner, userId: F.member.id, owner: true),
                eventTypes: ["ROOM_OWNER_PROMOTED"], owners: [F.owner.id, F.member.id]),
            Row(name: "promoting an owner is silent", context: Self.context(extraOwner: true),
                command: .setOwner(by: F.owner, userId: Self.owner2.id, owner: true), owners: [F.owner.id, Self.owner2.id]),
            Row(name: "owner demotes", context: Self.context(extraOwner: true), command: .setOwner(by: F.owner, userId: Self.owner2.id, owner: false),
                eventTypes: ["ROOM_OWNER_DEMOTED"], owners: [F.owner.id]),
            Row(name: "not on oneself", context: Self.context(extraOwner: true), command: .setOwner(by: F.owner, userId: F.owner.id, owner: false),
                error: .invalidRequest("cannot change one's own ownership")),
            Row(name: "member cannot promote", context: Self.context(), command: .setOwner(by: F.member, userId: F.guestMember.id, owner: true),
                error: .notRoomOwner),
            Row(name: "target must be a member", context: Self.context(), command: .setOwner(by: F.owner, userId: F.stranger.id, owner: true),
                error: .forbidden("target is not a member")),
            Row(name: "one_to_one owners are fixed", context: Self.context(type: .oneToOne), command: .setOwner(by: F.owner, userId: F.member.id, owner: true),
                error: .invalidRequest("one_to_one owners cannot change")),
            Row(name: "bulk owners", context: Self.context(extraOwner: true),
                command: .setOwners(by: F.owner, changes: [m(F.member, true), m(Self.owner2, false), m(F.guestMember, false)]),
                eventTypes: ["ROOM_OWNER_PROMOTED", "ROOM_OWNER_DEMOTED"], owners: [F.owner.id, F.member.id]),
            Row(name: "bulk owners including oneself", context: Self.context(),
                command: .setOwners(by: F.owner, changes: [m(F.member, true), m(F.owner, true)]),
                error: .invalidRequest("cannot change one's own ownership")),
            Row(name: "bulk owners with duplicates", context: Self.context(),
                command: .setOwners(by: F.owner, changes: [m(F.member, true), m(F.member, false)]),
                error: .invalidRequest("duplicate members")),
        ]

        for row in rows {
            do {
                let change = try RoomStateMachine.apply(row.command, to: row.context, now: F.t1)
                XCTAssertNil(row.error, "\(row.name): expected \(String(describing: row.error)), got success")
                XCTAssertEqual(change.events.map(\.event.type), row.eventTypes, row.name)
                XCTAssertEqual(change.effects, row.effects, row.name)
                XCTAssertEqual(change.roomDeleted, row.roomDeleted, row.name)
                XCTAssertEqual(change.meetingDeleted, row.meetingDeleted, row.name)
                XCTAssertEqual(change.context.meeting == nil, row.meetingDeleted || row.context.meeting == nil, row.name)
                if let members = row.members { XCTAssertEqual(change.context.room.memberIds, members, row.name) }
                if let owners = row.owners { XCTAssertEqual(change.context.room.ownerIds, owners, row.name) }
                if row.eventTypes.isEmpty && row.effects.isEmpty {
                    XCTAssertEqual(change.context, row.context, "\(row.name): expected no state change")
                }
            } catch {
                XCTAssertEqual(error, row.error, row.name)
            }
        }
    }

    func testRenameFollowsIntoTheMeetingAndEventsCarryTheNewFields() throws {
        let change = try RoomStateMachine.apply(.update(by: F.owner, name: "Renamed", description: "about"), to: Self.context(), now: F.t1)
        XCTAssertEqual(change.context.meeting?.name, "Renamed")
        XCTAssertEqual(change.context.room.updatedAt, F.t1)
        XCTAssertEqual(change.events.map(\.event), [.roomUpdated(roomId: F.roomId, name: "Renamed", description: "about")])
        XCTAssertEqual(change.events[0].addresses, DeliveryAddresses(users: F.allMembers))

        let describe = try RoomStateMachine.apply(.update(by: F.owner, name: nil, description: "only"), to: Self.context(), now: F.t1)
        XCTAssertEqual(describe.context.meeting?.name, "Meeting", "a description change leaves the meeting name")
        XCTAssertEqual(describe.events.map(\.event), [.roomUpdated(roomId: F.roomId, name: "Room", description: "only")])
    }

    func testMemberEventRecipients() throws {
        let added = try RoomStateMachine.apply(
            .addMembers(by: F.owner, members: [MemberRequest(userId: Self.newcomer.id, owner: true)], knownUsers: [Self.newcomer.id],
                        maxGroupMembers: 128),
            to: Self.context(), now: F.t1)
        XCTAssertEqual(added.events.map(\.event), [.roomMemberAdded(roomId: F.roomId, userId: Self.newcomer.id, isOwner: true)])
        XCTAssertEqual(added.events[0].addresses, DeliveryAddresses(users: F.allMembers.union([Self.newcomer.id])),
                       "the new member hears it too")
        XCTAssertEqual(added.context.room.member(Self.newcomer.id), Member(userId: Self.newcomer.id, owner: true, joinedAt: F.t1))

        let removed = try RoomStateMachine.apply(.removeMember(by: F.owner, userId: F.member.id), to: Self.context(), now: F.t1)
        XCTAssertEqual(removed.events.last?.event, .roomMemberRemoved(roomId: F.roomId, userId: F.member.id))
        XCTAssertEqual(removed.events.last?.addresses, DeliveryAddresses(users: F.allMembers), "the removed user hears it too")

        let promoted = try RoomStateMachine.apply(.setOwner(by: F.owner, userId: F.member.id, owner: true), to: Self.context(), now: F.t1)
        XCTAssertEqual(promoted.events.map(\.event), [.roomOwnerPromoted(roomId: F.roomId, userId: F.member.id)])
        XCTAssertEqual(promoted.events[0].addresses, DeliveryAddresses(users: F.allMembers))

        let deleted = try RoomStateMachine.apply(.delete(by: F.owner), to: Self.context(active: false), now: F.t1)
        XCTAssertEqual(deleted.events.map(\.event), [.meetingDeleted(meetingId: F.meetingId), .roomDeleted(roomId: F.roomId)])
        XCTAssertEqual(deleted.events.map(\.addresses), [DeliveryAddresses(users: F.allMembers), DeliveryAddresses(users: F.allMembers)])

        let last = try RoomStateMachine.apply(.removeMember(by: F.owner, userId: F.owner.id), to: Self.alone(F.owner), now: F.t1)
        XCTAssertEqual(last.events.map(\.addresses), [DeliveryAddresses(users: [F.owner.id]), DeliveryAddresses(users: [F.owner.id])])
    }

    func testMuteAndClearAreForTheCallerOnly() throws {
        let room = Self.context().room
        XCTAssertEqual(try RoomRules.mute(room, by: F.member, muted: true).event, .roomMuted(roomId: F.roomId))
        XCTAssertEqual(try RoomRules.mute(room, by: F.member, muted: false).addresses, DeliveryAddresses(users: [F.member.id]))
        let cleared = try RoomRules.clearHistory(room, by: F.owner, now: F.t1)
        XCTAssertEqual(cleared.event, .roomHistoryCleared(roomId: F.roomId, clearedAt: F.t1))
        XCTAssertEqual(cleared.addresses, DeliveryAddresses(users: [F.owner.id]))
        for (user, error) in [(F.guestMember, MeetingError.guestNotAllowed), (F.stranger, .notRoomMember)] {
            XCTAssertThrowsError(try RoomRules.mute(room, by: user, muted: true)) { XCTAssertEqual($0 as? MeetingError, error) }
            XCTAssertThrowsError(try RoomRules.clearHistory(room, by: user, now: F.t1)) { XCTAssertEqual($0 as? MeetingError, error) }
        }
    }
}
