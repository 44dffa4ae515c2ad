import Foundation
import XCTest
@testable import Meetings

/// Payloads and recipients of the audio, hand, recording and deletion events (spec §2.5, §2.6,
/// §4.3), as concrete values.
final class ModerationRecipientTests: XCTestCase {
    typealias F = Fixture

    func testModeratorMuteNamesTheModeratorAndGoesToParticipants() throws {
        let context = F.context(participants: [(F.owner, F.queueA), (F.member, F.queueB)], audio: [F.member.id])
        let t = try MeetingStateMachine.apply(.setAudio(by: F.owner, enabled: false, target: F.member.id), to: context, now: F.t1)
        XCTAssertEqual(t.events.map(\.event),
                       [.audioStreamChanged(meetingId: F.meetingId, userId: F.member.id, active: false, moderatorId: F.owner.id)])
        XCTAssertEqual(t.events[0].addresses, DeliveryAddresses(users: [F.owner.id, F.member.id]))
        XCTAssertFalse(try XCTUnwrap(t.context.meeting.participant(F.member.id)).audioStreamEnabled)

        let own = try MeetingStateMachine.apply(.setAudio(by: F.member, enabled: true, target: nil), to: t.context, now: F.t1)
        XCTAssertEqual(own.events.map(\.event),
                       [.audioStreamChanged(meetingId: F.meetingId, userId: F.member.id, active: true, moderatorId: nil)])
    }

    func testHandListIsOrderedByRaiseTime() throws {
        var context = F.context(participants: [(F.owner, F.queueA), (F.member, F.queueB), (F.guestMember, F.queueC)])
        // The guest raises first, then the member, then the owner (join order is owner, member, guest).
        for (user, time) in [(F.guestMember, F.t0), (F.member, F.t1), (F.owner, F.t1.addingTimeInterval(5))] {
            context = try MeetingStateMachine.apply(.setHand(by: user, raised: true, target: nil), to: context, now: time).context
        }
        XCTAssertEqual(context.meeting.raisedHands, [F.guestMember.id, F.member.id, F.owner.id])

        let lowered = try MeetingStateMachine.apply(.setHand(by: F.owner, raised: false, target: F.member.id), to: context, now: F.t1)
        XCTAssertEqual(lowered.events.map(\.event), [
            .handRaised(meetingId: F.meetingId, userId: F.member.id, raised: false, handRaisedAt: nil, moderatorId: F.owner.id),
            .handRaisedList(meetingId: F.meetingId, participants: [F.guestMember.id, F.owner.id]),
        ])
        let everyone = DeliveryAddresses(users: [F.owner.id, F.member.id, F.guestMember.id])
        XCTAssertEqual(lowered.events.map(\.addresses), [everyone, everyone])

        let raised = try MeetingStateMachine.apply(.setHand(by: F.member, raised: true, target: nil), to: lowered.context, now: F.t1)
        XCTAssertEqual(raised.events.first?.event,
                       .handRaised(meetingId: F.meetingId, userId: F.member.id, raised: true, handRaisedAt: F.t1, moderatorId: nil))
        XCTAssertEqual(raised.context.meeting.raisedHands, [F.guestMember.id, F.member.id, F.owner.id])

        // Equal raise times keep join order.
        var tie = F.context(participants: [(F.owner, F.queueA), (F.member, F.queueB)])
        tie.meeting.participants[0].handRaisedAt = F.t1
        tie.meeting.participants[1].handRaisedAt = F.t1
        XCTAssertEqual(tie.meeting.raisedHands, [F.owner.id, F.member.id])
        tie.meeting.participants[0].handRaisedAt = F.t1.addingTimeInterval(0.001)
        XCTAssertEqual(tie.meeting.raisedHands, [F.member.id, F.owner.id])
    }

    func testClashKeepsTheRaisedHandInTheList() throws {
        let context = F.context(participants: [(F.member, F.queueA)], hands: [F.member.id])
        let clash = try MeetingStateMachine.apply(.join(by: F.member, queueId: F.queueB), to: context, now: F.t1)
        XCTAssertEqual(clash.context.meeting.raisedHands, [F.member.id])
    }

    func testRecordingEvents() throws {
        let context = F.context(participants: [(F.owner, F.queueA), (F.member, F.queueB)])
        let started = try MeetingStateMachine.apply(.startRecording(by: F.owner), to: context, now: F.t1)
        XCTAssertEqual(started.events.map(\.event), [.recordingStarted(meetingId: F.meetingId, userId: F.owner.id)])
        XCTAssertEqual(started.events[0].addresses, DeliveryAddresses(users: [F.owner.id, F.member.id]))
        XCTAssertEqual(started.context.meeting.recording, MeetingRecording(starterId: F.owner.id, startedAt: F.t1))

        // The member leaves, then the owner: the implicit stop names the last leaver and reaches him.
        let memberLeft = try MeetingStateMachine.apply(.leave(by: F.member), to: started.context, now: F.t1)
        XCTAssertNotNil(memberLeft.context.meeting.recording, "the recording goes on while someone participates")
        let ownerLeft = try MeetingStateMachine.apply(.leave(by: F.owner), to: memberLeft.context, now: F.t1)
        let stopped = try XCTUnwrap(ownerLeft.events.first { $0.event.type == "MEETING_RECORDING_STOPPED" })
        XCTAssertEqual(stopped.event, .recordingStopped(meetingId: F.meetingId, userId: F.owner.id))
        XCTAssertEqual(stopped.addresses, DeliveryAddresses(users: [F.owner.id]))

        // Expiration has no actor: the starter is named.
        let expired = MeetingStateMachine.deleted(started.context, actor: nil)
        XCTAssertEqual(expired.events.first?.event, .recordingStopped(meetingId: F.meetingId, userId: F.owner.id))
    }

    func testDeleteTellsWaitingUsersOnlyThatTheMeetingStopped() throws {
        let context = F.context(type: .scheduled, participants: [(F.owner, F.queueA)],
                                waiting: [.init(userId: F.guestStranger.id, queueId: F.queueB, status: .waiting)])
        let t = try MeetingStateMachine.apply(.delete(by: F.member), to: context, now: F.t1)
        XCTAssertEqual(t.events.map(\.event), [.meetingStopped(meetingId: F.meetingId), .meetingDeleted(meetingId: F.meetingId)])
        XCTAssertEqual(t.events[0].addresses, DeliveryAddresses(users: F.allMembers.union([F.guestStranger.id])))
        XCTAssertEqual(t.events[1].addresses, DeliveryAddresses(users: F.allMembers))
        XCTAssertNil(t.context.room.meetingId)
        XCTAssertTrue(t.meetingDeleted)
    }
}
