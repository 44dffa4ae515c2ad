import Foundation
import XCTest
@testable import Meetings

final class MeetingStateMachineTests: XCTestCase {
    typealias F = Fixture

    /// One row of a command table: the outcome is either an error or a set of expectations.
    struct Row {
        var name: String
        var context: MeetingContext
        var command: MeetingCommand
        var error: MeetingError?
        var joinStatus: JoinStatus?
        var eventTypes: [String] = []
        var effects: [MediaEffect] = []
        var participants: [UUID]? = nil
        var active: Bool? = nil
    }

    func testCommandTable() {
        let rows: [Row] = [
            // start / stop (§2.1, deliberate fix of §8.3: checks before side effects)
            Row(name: "member starts", context: F.context(active: false), command: .start(by: F.member),
                eventTypes: ["MEETING_STARTED"], active: true),
            Row(name: "restart resets startedAt and re-sends", context: F.context(active: true), command: .start(by: F.owner),
                eventTypes: ["MEETING_STARTED"], active: true),
            Row(name: "guest cannot start", context: F.context(active: false), command: .start(by: F.guestMember),
                error: .guestNotAllowed),
            Row(name: "stranger cannot start", context: F.context(active: false), command: .start(by: F.stranger),
                error: .notRoomMember),
            Row(name: "member stops", context: F.context(participants: [(F.owner, F.queueA)]), command: .stop(by: F.member),
                eventTypes: ["MEETING_STOPPED"], effects: [.closeMeeting], participants: [], active: false),
            Row(name: "stopping an inactive meeting still emits", context: F.context(active: false), command: .stop(by: F.member),
                eventTypes: ["MEETING_STOPPED"], effects: [.closeMeeting], active: false),
            Row(name: "guest cannot stop", context: F.context(), command: .stop(by: F.guestMember), error: .guestNotAllowed),
            Row(name: "stranger cannot stop", context: F.context(), command: .stop(by: F.stranger), error: .notRoomMember),

            // join, permanent meeting (§2.3)
            Row(name: "member joins", context: F.context(), command: .join(by: F.member, queueId: F.queueA),
                joinStatus: .accepted, eventTypes: ["MEETING_PARTICIPANT_JOINED"], participants: [F.member.id]),
            Row(name: "guest member joins permanent", context: F.context(), command: .join(by: F.guestMember, queueId: F.queueA),
                joinStatus: .accepted, eventTypes: ["MEETING_PARTICIPANT_JOINED"], participants: [F.guestMember.id]),
            Row(name: "stranger refused", context: F.context(), command: .join(by: F.stranger, queueId: F.queueA),
                error: .notRoomMember),
            Row(name: "not started", context: F.context(active: false), command: .join(by: F.member, queueId: F.queueA),
                error: .meetingNotStarted),
            Row(name: "same queue twice", context: F.context(participants: [(F.member, F.queueA)]),
                command: .join(by: F.member, queueId: F.queueA), error: .alreadyParticipantFromSameQueue),
            Row(name: "clash from another queue", context: F.context(participants: [(F.member, F.queueA), (F.owner, F.queueC)]),
                command: .join(by: F.member, queueId: F.queueB), joinStatus: .accepted,
                eventTypes: ["MEETING_PARTICIPANT_LEFT", "MEETING_PARTICIPANT_CLASHED", "MEETING_PARTICIPANT_JOINED"],
                effects: [.removeParticipant(userId: F.member.id)], participants: [F.member.id, F.owner.id]),

            // join, scheduled meeting (§2.3 step 4)
            Row(name: "owner joins scheduled", context: F.context(type: .scheduled), command: .join(by: F.owner, queueId: F.queueA),
                joinStatus: .accepted, eventTypes: ["MEETING_PARTICIPANT_JOINED"], participants: [F.owner.id]),
            Row(name: "owner joins scheduled not started", context: F.context(type: .scheduled, active: false),
                command: .join(by: F.owner, queueId: F.queueA), error: .meetingNotStarted),
            Row(name: "member waits", context: F.context(type: .scheduled), command: .join(by: F.member, queueId: F.queueA),
                joinStatus: .waiting, eventTypes: ["MEETING_WAITING_PARTICIPANT_JOINED"], participants: []),
            Row(name: "guest stranger waits even before start", context: F.context(type: .scheduled, active: false),
                command: .join(by: F.guestStranger, queueId: F.queueA),
                joinStatus: .waiting, eventTypes: ["MEETING_WAITING_PARTICIPANT_JOINED"], participants: []),
            Row(name: "waiting again from same queue is silent",
                context: F.context(type: .scheduled, waiting: [.init(userId: F.member.id, queueId: F.queueA, status: .waiting)]),
                command: .join(by: F.member, queueId: F.queueA), joinStatus: .waiting),
            Row(name: "waiting again from another queue clashes",
                context: F.context(type: .scheduled, waiting: [.init(userId: F.member.id, queueId: F.queueA, status: .waiting)]),
                command: .join(by: F.member, queueId: F.queueB), joinStatus: .waiting,
                eventTypes: ["MEETING_WAITING_PARTICIPANT_CLASHED"]),
            Row(name: "guest stranger re-joining while waiting stays waiting (fix of §8.10)",
                context: F.context(type: .scheduled, waiting: [.init(userId: F.guestStranger.id, queueId: F.queueA, status: .waiting)]),
                command: .join(by: F.guestStranger, queueId: F.queueB), joinStatus: .waiting,
                eventTypes: ["MEETING_WAITING_PARTICIPANT_CLASHED"]),
            Row(name: "accepted member joins",
                context: F.context(type: .scheduled, waiting: [.init(userId: F.member.id, queueId: F.queueA, status: .accepted)]),
                command: .join(by: F.member, queueId: F.queueA), joinStatus: .accepted,
                eventTypes: ["MEETING_PARTICIPANT_JOINED"], participants: [F.member.id]),

            // leave (§2.2) and implicit stop
            Row(name: "leave with others remaining", context: F.context(participants: [(F.member, F.queueA), (F.owner, F.queueB)]),
                command: .leave(by: F.member), eventTypes: ["MEETING_PARTICIPANT_LEFT"],
                effects: [.removeParticipant(userId: F.member.id)], participants: [F.owner.id], active: true),
            Row(name: "last leave stops", context: F.context(participants: [(F.member, F.queueA)]),
                command: .leave(by: F.member), eventTypes: ["MEETING_PARTICIPANT_LEFT", "MEETING_STOPPED"],
                effects: [.removeParticipant(userId: F.member.id), .closeMeeting], participants: [], active: false),
            Row(name: "leave when not participant is a no-op", context: F.context(participants: [(F.owner, F.queueA)]),
                command: .leave(by: F.member), participants: [F.owner.id], active: true),
            Row(name: "stranger cannot leave", context: F.context(), command: .leave(by: F.stranger), error: .notRoomMember),

            // WebSocket close (§4.1)
            Row(name: "queue close removes participant", context: F.context(participants: [(F.member, F.queueA), (F.owner, F.queueB)]),
                command: .queueClosed(queueId: F.queueA), eventTypes: ["MEETING_PARTICIPANT_LEFT"],
                effects: [.removeParticipant(userId: F.member.id)], participants: [F.owner.id]),
            Row(name: "queue close of last participant stops", context: F.context(participants: [(F.member, F.queueA)]),
                command: .queueClosed(queueId: F.queueA), eventTypes: ["MEETING_PARTICIPANT_LEFT", "MEETING_STOPPED"],
                effects: [.removeParticipant(userId: F.member.id), .closeMeeting], participants: [], active: false),
            Row(name: "unrelated queue close changes nothing", context: F.context(participants: [(F.member, F.queueA)]),
                command: .queueClosed(queueId: F.queueC), participants: [F.member.id], active: true),
            Row(name: "queue close of a waiting user rejects him",
                context: F.context(type: .scheduled, waiting: [.init(userId: F.guestStranger.id, queueId: F.queueA, status: .waiting)]),
                command: .queueClosed(queueId: F.queueA), eventTypes: ["MEETING_WAITING_PARTICIPANT_REJECTED"]),

            // media toggles (§2.5)
            Row(name: "enable video", context: F.context(participants: [(F.member, F.queueA)]),
                command: .setMediaStream(by: F.member, type: .video, enabled: true), eventTypes: ["MEETING_MEDIA_STREAM_CHANGED"]),
            Row(name: "disable unchanged video is a no-op", context: F.context(participants: [(F.member, F.queueA)]),
                command: .setMediaStream(by: F.member, type: .video, enabled: false)),
            Row(name: "media by non-participant", context: F.context(participants: [(F.owner, F.queueA)]),
                command: .setMediaStream(by: F.member, type: .screen, enabled: true), error: .notParticipant),
            Row(name: "subscribe by participant", context: F.context(participants: [(F.member, F.queueA)]),
                command: .requireParticipant(by: F.member)),
            Row(name: "subscribe by non-participant", context: F.context(), command: .requireParticipant(by: F.member),
                error: .notParticipant),

            // waiting-queue decisions (§2.4)
            Row(name: "owner accepts a guest",
                context: F.context(type: .scheduled, waiting: [.init(userId: F.guestStranger.id, queueId: F.queueA, status: .waiting)]),
                command: .decideWaiting(by: F.owner, userId: F.guestStranger.id, decision: .accepted),
                eventTypes: ["ROOM_MEMBER_ADDED", "MEETING_WAITING_PARTICIPANT_ACCEPTED"]),
            Row(name: "member cannot accept",
                context: F.context(type: .scheduled, waiting: [.init(userId: F.guestStranger.id, queueId: F.queueA, status: .waiting)]),
                command: .decideWaiting(by: F.member, userId: F.guestStranger.id, decision: .accepted), error: .notRoomOwner),
            Row(name: "member rejects himself",
                context: F.context(type: .scheduled, waiting: [.init(userId: F.member.id, queueId: F.queueA, status: .waiting)]),
                command: .decideWaiting(by: F.member, userId: F.member.id, decision: .rejected),
                eventTypes: ["MEETING_WAITING_PARTICIPANT_REJECTED"]),
            Row(name: "guest cannot decide, even on himself",
                context: F.context(type: .scheduled, waiting: [.init(userId: F.guestStranger.id, queueId: F.queueA, status: .waiting)]),
                command: .decideWaiting(by: F.guestStranger, userId: F.guestStranger.id, decision: .rejected), error: .guestNotAllowed),
            Row(name: "decision on a user not in queue", context: F.context(type: .scheduled),
                command: .decideWaiting(by: F.owner, userId: F.stranger.id, decision: .rejected), error: .notInWaitingQueue),
        ]

        for row in rows {
            do {
                let transition = try MeetingStateMachine.apply(row.command, to: row.context, now: F.t1)
                XCTAssertNil(row.error, "\(row.name): expected \(String(describing: row.error)), got success")
                XCTAssertEqual(transition.joinStatus, row.joinStatus, row.name)
                XCTAssertEqual(transition.events.map(\.event.type), row.eventTypes, row.name)
                XCTAssertEqual(transition.effects, row.effects, row.name)
                if let participants = row.participants {
                    XCTAssertEqual(transition.context.meeting.participantIds, participants, row.name)
                }
                if let active = row.active {
                    XCTAssertEqual(transition.context.meeting.active, active, row.name)
                }
                if row.eventTypes.isEmpty && row.effects.isEmpty && row.joinStatus != .waiting {
                    XCTAssertEqual(transition.context, row.context, "\(row.name): expected no state change")
                }
            } catch {
                XCTAssertEqual(error, row.error, row.name)
            }
        }
    }

    func testErrorStatuses() {
        let table: [(MeetingError, Int)] = [
            (.invalidRequest("x"), 400), (.guestNotAllowed, 403), (.notRoomMember, 403), (.notRoomOwner, 403),
            (.roomNotFound, 404), (.meetingNotFound, 404), (.notParticipant, 404), (.userNotFound, 404),
            (.notInWaitingQueue, 404), (.alreadyParticipantFromSameQueue, 409), (.roomAlreadyHasMeeting, 409),
            (.oneToOneRoomExists, 409), (.meetingNotStarted, 424),
        ]
        for (error, status) in table { XCTAssertEqual(error.httpStatus, status, "\(error)") }
    }
}
