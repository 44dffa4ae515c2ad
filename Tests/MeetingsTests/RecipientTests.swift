import Foundation
import XCTest
@testable import Meetings

/// Who receives what (spec §4.3), checked as concrete user / queue sets.
final class RecipientTests: XCTestCase {
    typealias F = Fixture

    func testJoinedGoesToAllRoomMembers() throws {
        let t = try MeetingStateMachine.apply(.join(by: F.member, queueId: F.queueA), to: F.context(), now: F.t1)
        XCTAssertEqual(t.events.first?.event, .participantJoined(meetingId: F.meetingId, userId: F.member.id))
        XCTAssertEqual(t.events.first?.recipients, [.roomMembers])
        XCTAssertEqual(t.events.first?.addresses, DeliveryAddresses(users: F.allMembers))
        XCTAssertEqual(t.context.meeting.participants.first?.queueId, F.queueA)
        XCTAssertEqual(t.context.meeting.participants.first?.joinedAt, F.t1)
    }

    func testClashNotifiesOnlyTheOldQueueAndKeepsHand() throws {
        var context = F.context(participants: [(F.member, F.queueA)])
        context.meeting.participants[0].videoStreamEnabled = true
        context.meeting.participants[0].handRaisedAt = F.t0
        let t = try MeetingStateMachine.apply(.join(by: F.member, queueId: F.queueB), to: context, now: F.t1)
        XCTAssertEqual(t.events[1].event, .participantClashed(meetingId: F.meetingId))
        XCTAssertEqual(t.events[1].addresses, DeliveryAddresses(queues: [F.queueA]))
        XCTAssertEqual(t.events[0].addresses, DeliveryAddresses(users: F.allMembers))
        let participant = try XCTUnwrap(t.context.meeting.participant(F.member.id))
        XCTAssertEqual(participant.queueId, F.queueB)
        XCTAssertFalse(participant.videoStreamEnabled, "stream flags reset on clash")
        XCTAssertEqual(participant.handRaisedAt, F.t0, "hand state kept on clash")
    }

    func testStopNotifiesRoomMembersAndWaitingUsersOnly() throws {
        let context = F.context(
            type: .scheduled, participants: [(F.owner, F.queueA)],
            waiting: [
                .init(userId: F.guestStranger.id, queueId: F.queueB, status: .waiting),
                .init(userId: F.stranger.id, queueId: F.queueC, status: .accepted),
            ])
        let t = try MeetingStateMachine.apply(.stop(by: F.owner), to: context, now: F.t1)
        XCTAssertEqual(t.events.map(\.event), [.meetingStopped(meetingId: F.meetingId)])
        XCTAssertEqual(t.events[0].addresses, DeliveryAddresses(users: F.allMembers.union([F.guestStranger.id])))
        XCTAssertEqual(t.context.waitingList, [])
        XCTAssertNil(t.context.meeting.startedAt)
    }

    func testMediaStreamChangedGoesToParticipantSnapshot() throws {
        let context = F.context(participants: [(F.member, F.queueA), (F.owner, F.queueB)])
        let on = try MeetingStateMachine.apply(.setMediaStream(by: F.member, type: .screen, enabled: true), to: context, now: F.t1)
        XCTAssertEqual(on.events.map(\.event),
                       [.mediaStreamChanged(meetingId: F.meetingId, userId: F.member.id, mediaType: .screen, active: true)])
        XCTAssertEqual(on.events[0].addresses, DeliveryAddresses(users: [F.member.id, F.owner.id]))
        XCTAssertTrue(try XCTUnwrap(on.context.meeting.participant(F.member.id)).screenStreamEnabled)
        XCTAssertEqual(on.effects, [])

        let off = try MeetingStateMachine.apply(.setMediaStream(by: F.member, type: .screen, enabled: false), to: on.context, now: F.t1)
        XCTAssertEqual(off.events.map(\.event),
                       [.mediaStreamChanged(meetingId: F.meetingId, userId: F.member.id, mediaType: .screen, active: false)])
        XCTAssertEqual(off.effects, [.unpublish(userId: F.member.id, type: .screen)])
    }

    func testWaitingEventsGoToOwnersAndQueue() throws {
        let waitingJoin = try MeetingStateMachine.apply(
            .join(by: F.guestStranger, queueId: F.queueA), to: F.context(type: .scheduled), now: F.t1)
        XCTAssertEqual(waitingJoin.events[0].addresses, DeliveryAddresses(users: F.owners))
        XCTAssertEqual(waitingJoin.context.waitingList,
                       [WaitingParticipant(userId: F.guestStranger.id, queueId: F.queueA, status: .waiting)])

        let accepted = try MeetingStateMachine.apply(
            .decideWaiting(by: F.owner, userId: F.guestStranger.id, decision: .accepted), to: waitingJoin.context, now: F.t1)
        // ROOM_MEMBER_ADDED goes to the members after the addition, so the new member gets it too.
        XCTAssertEqual(accepted.events[0].addresses, DeliveryAddresses(users: F.allMembers.union([F.guestStranger.id])))
        XCTAssertEqual(accepted.events[1].addresses, DeliveryAddresses(users: F.owners, queues: [F.queueA]))
        XCTAssertTrue(accepted.context.room.isMember(F.guestStranger.id))
        XCTAssertFalse(accepted.context.room.isOwner(F.guestStranger.id))

        // The accepted guest now joins (meeting active) and its waiting row is consumed.
        let joined = try MeetingStateMachine.apply(.join(by: F.guestStranger, queueId: F.queueA), to: accepted.context, now: F.t1)
        XCTAssertEqual(joined.joinStatus, .accepted)
        XCTAssertEqual(joined.context.waitingList, [])
        XCTAssertEqual(joined.context.meeting.participantIds, [F.guestStranger.id])
    }

    func testWaitingUsersListIsForOwnersOnly() throws {
        let context = F.context(type: .scheduled, waiting: [
            .init(userId: F.guestStranger.id, queueId: F.queueA, status: .waiting),
            .init(userId: F.stranger.id, queueId: F.queueB, status: .accepted),
        ])
        XCTAssertEqual(try MeetingStateMachine.waitingUsers(context, by: F.owner), [F.guestStranger.id])
        XCTAssertThrowsError(try MeetingStateMachine.waitingUsers(context, by: F.member)) {
            XCTAssertEqual($0 as? MeetingError, .notRoomOwner)
        }
        XCTAssertThrowsError(try MeetingStateMachine.waitingUsers(context, by: F.guestMember)) {
            XCTAssertEqual($0 as? MeetingError, .guestNotAllowed)
        }
    }

    func testEnumParsingIsCaseInsensitive() {
        XCTAssertEqual(MediaStreamType(caseInsensitive: "VIDEO"), .video)
        XCTAssertEqual(MediaStreamType(caseInsensitive: "Screen"), .screen)
        XCTAssertNil(MediaStreamType(caseInsensitive: "audio"))
        XCTAssertEqual(MeetingType(caseInsensitive: "Scheduled"), .scheduled)
        XCTAssertEqual(RoomType(caseInsensitive: "ONE_TO_ONE"), .oneToOne)
        XCTAssertNil(RoomType(caseInsensitive: "one-to-one"))
        XCTAssertEqual(UserType(caseInsensitive: "GUEST"), .guest)
        XCTAssertEqual(WaitingDecision(caseInsensitive: "rejected"), .rejected)
        XCTAssertEqual(MediaStreamType.screen.eventName, "SCREEN")
    }
}
