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
        var recording: Bool? = nil
        var deleted = false
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
            Row(name: "owner rejects an accepted entry",
                context: F.context(type: .scheduled, waiting: [.init(userId: F.member.id, queueId: F.queueA, status: .accepted)]),
                command: .decideWaiting(by: F.owner, userId: F.member.id, decision: .rejected),
                eventTypes: ["MEETING_WAITING_PARTICIPANT_REJECTED"]),
            Row(name: "accepting a room member adds no membership",
                context: F.context(type: .scheduled, waiting: [.init(userId: F.member.id, queueId: F.queueA, status: .waiting)]),
                command: .decideWaiting(by: F.owner, userId: F.member.id, decision: .accepted),
                eventTypes: ["MEETING_WAITING_PARTICIPANT_ACCEPTED"]),

            // delete and expiration (§2.1; stop first when running or with waiting users)
            Row(name: "member deletes an idle meeting", context: F.context(active: false), command: .delete(by: F.member),
                eventTypes: ["MEETING_DELETED"], effects: [.closeMeeting], deleted: true),
            Row(name: "deleting a running meeting stops it first", context: F.context(participants: [(F.owner, F.queueA)]),
                command: .delete(by: F.owner), eventTypes: ["MEETING_STOPPED", "MEETING_DELETED"], effects: [.closeMeeting],
                participants: [], active: false, deleted: true),
            Row(name: "deleting with users waiting tells them", context: F.context(type: .scheduled, active: false,
                waiting: [.init(userId: F.guestStranger.id, queueId: F.queueA, status: .waiting)]),
                command: .delete(by: F.owner), eventTypes: ["MEETING_STOPPED", "MEETING_DELETED"], effects: [.closeMeeting],
                deleted: true),
            Row(name: "guest cannot delete", context: F.context(), command: .delete(by: F.guestMember), error: .guestNotAllowed),
            Row(name: "stranger cannot delete", context: F.context(), command: .delete(by: F.stranger), error: .notRoomMember),
            Row(name: "expiration of a running meeting", context: F.context(type: .scheduled, participants: [(F.member, F.queueA)]),
                command: .expire, eventTypes: ["MEETING_STOPPED", "MEETING_DELETED"], effects: [.closeMeeting],
                participants: [], active: false, deleted: true),
            Row(name: "expiration of an idle meeting", context: F.context(type: .scheduled, active: false), command: .expire,
                eventTypes: ["MEETING_DELETED"], effects: [.closeMeeting], deleted: true),

            // audio (§2.5, M14)
            Row(name: "unmute self", context: F.context(participants: [(F.member, F.queueA)]),
                command: .setAudio(by: F.member, enabled: true, target: nil), eventTypes: ["MEETING_AUDIO_STREAM_CHANGED"],
                effects: [.setAudioEnabled(userId: F.member.id, enabled: true)]),
            Row(name: "mute self when muted is a no-op", context: F.context(participants: [(F.member, F.queueA)]),
                command: .setAudio(by: F.member, enabled: false, target: nil)),
            Row(name: "naming oneself as target is no moderation", context: F.context(participants: [(F.member, F.queueA)]),
                command: .setAudio(by: F.member, enabled: true, target: F.member.id), eventTypes: ["MEETING_AUDIO_STREAM_CHANGED"],
                effects: [.setAudioEnabled(userId: F.member.id, enabled: true)]),
            Row(name: "audio by non-participant", context: F.context(participants: [(F.owner, F.queueA)]),
                command: .setAudio(by: F.member, enabled: true, target: nil), error: .notParticipant),
            Row(name: "moderator mutes a speaker", context: F.context(participants: [(F.owner, F.queueA), (F.member, F.queueB)],
                audio: [F.member.id]),
                command: .setAudio(by: F.owner, enabled: false, target: F.member.id), eventTypes: ["MEETING_AUDIO_STREAM_CHANGED"],
                effects: [.setAudioEnabled(userId: F.member.id, enabled: false)]),
            Row(name: "moderator muting a muted user is a no-op",
                context: F.context(participants: [(F.owner, F.queueA), (F.member, F.queueB)]),
                command: .setAudio(by: F.owner, enabled: false, target: F.member.id)),
            Row(name: "nobody unmutes someone else", context: F.context(participants: [(F.owner, F.queueA), (F.member, F.queueB)]),
                command: .setAudio(by: F.owner, enabled: true, target: F.member.id),
                error: .invalidRequest("a moderator can only mute others")),
            Row(name: "non-owner cannot mute others", context: F.context(participants: [(F.owner, F.queueA), (F.member, F.queueB)],
                audio: [F.owner.id]),
                command: .setAudio(by: F.member, enabled: false, target: F.owner.id), error: .notRoomOwner),
            Row(name: "stranger cannot mute others", context: F.context(participants: [(F.member, F.queueB)], audio: [F.member.id]),
                command: .setAudio(by: F.stranger, enabled: false, target: F.member.id), error: .notRoomOwner),
            Row(name: "moderator must participate", context: F.context(participants: [(F.member, F.queueB)], audio: [F.member.id]),
                command: .setAudio(by: F.owner, enabled: false, target: F.member.id), error: .notParticipant),
            Row(name: "mute target must participate", context: F.context(participants: [(F.owner, F.queueA)]),
                command: .setAudio(by: F.owner, enabled: false, target: F.member.id), error: .notParticipant),

            // hand (§2.5, M18)
            Row(name: "raise hand", context: F.context(participants: [(F.member, F.queueA)]),
                command: .setHand(by: F.member, raised: true, target: nil),
                eventTypes: ["MEETING_PARTICIPANT_HAND_RAISED", "MEETING_PARTICIPANT_HAND_RAISED_LIST"]),
            Row(name: "lower a lowered hand is a no-op", context: F.context(participants: [(F.member, F.queueA)]),
                command: .setHand(by: F.member, raised: false, target: nil)),
            Row(name: "raise a raised hand is a no-op", context: F.context(participants: [(F.member, F.queueA)], hands: [F.member.id]),
                command: .setHand(by: F.member, raised: true, target: nil)),
            Row(name: "lower own hand", context: F.context(participants: [(F.member, F.queueA)], hands: [F.member.id]),
                command: .setHand(by: F.member, raised: false, target: nil),
                eventTypes: ["MEETING_PARTICIPANT_HAND_RAISED", "MEETING_PARTICIPANT_HAND_RAISED_LIST"]),
            Row(name: "moderator lowers a hand", context: F.context(participants: [(F.owner, F.queueA), (F.member, F.queueB)],
                hands: [F.member.id]),
                command: .setHand(by: F.owner, raised: false, target: F.member.id),
                eventTypes: ["MEETING_PARTICIPANT_HAND_RAISED", "MEETING_PARTICIPANT_HAND_RAISED_LIST"]),
            Row(name: "nobody raises someone else's hand", context: F.context(participants: [(F.owner, F.queueA), (F.member, F.queueB)]),
                command: .setHand(by: F.owner, raised: true, target: F.member.id),
                error: .invalidRequest("a moderator can only lower the hand of others")),
            Row(name: "non-owner cannot lower others' hands", context: F.context(participants: [(F.owner, F.queueA), (F.member, F.queueB)],
                hands: [F.owner.id]),
                command: .setHand(by: F.member, raised: false, target: F.owner.id), error: .notRoomOwner),
            Row(name: "hand by non-participant", context: F.context(), command: .setHand(by: F.member, raised: true, target: nil),
                error: .notParticipant),

            // recording (§2.6, M16/M17)
            Row(name: "owner participant starts recording", context: F.context(participants: [(F.owner, F.queueA)]),
                command: .startRecording(by: F.owner), eventTypes: ["MEETING_RECORDING_STARTED"], recording: true),
            Row(name: "start while recording is a no-op", context: F.context(participants: [(F.owner, F.queueA)], recording: true),
                command: .startRecording(by: F.owner), recording: true),
            Row(name: "recording needs an active meeting", context: F.context(active: false), command: .startRecording(by: F.owner),
                error: .invalidRequest("meeting is not active")),
            Row(name: "recording needs a participant", context: F.context(participants: [(F.member, F.queueA)]),
                command: .startRecording(by: F.owner), error: .notParticipant),
            Row(name: "recording needs an owner", context: F.context(participants: [(F.member, F.queueA)]),
                command: .startRecording(by: F.member), error: .notRoomOwner),
            Row(name: "guests never record", context: F.context(participants: [(F.guestMember, F.queueA)]),
                command: .startRecording(by: F.guestMember), error: .guestNotAllowed),
            Row(name: "owner stops recording", context: F.context(participants: [(F.owner, F.queueA)], recording: true),
                command: .stopRecording(by: F.owner), eventTypes: ["MEETING_RECORDING_STOPPED"], recording: false),
            Row(name: "stop without recording is a no-op", context: F.context(participants: [(F.owner, F.queueA)]),
                command: .stopRecording(by: F.owner), recording: false),
            Row(name: "member cannot stop recording", context: F.context(participants: [(F.owner, F.queueA), (F.member, F.queueB)],
                recording: true),
                command: .stopRecording(by: F.member), error: .notRoomOwner),
            Row(name: "last leave ends the recording", context: F.context(participants: [(F.owner, F.queueA)], recording: true),
                command: .leave(by: F.owner), eventTypes: ["MEETING_PARTICIPANT_LEFT", "MEETING_RECORDING_STOPPED", "MEETING_STOPPED"],
                effects: [.removeParticipant(userId: F.owner.id), .closeMeeting], participants: [], active: false, recording: false),
            Row(name: "stop ends the recording", context: F.context(participants: [(F.owner, F.queueA)], recording: true),
                command: .stop(by: F.member), eventTypes: ["MEETING_RECORDING_STOPPED", "MEETING_STOPPED"],
                effects: [.closeMeeting], participants: [], active: false, recording: false),

            // the media plane lost a publisher transport
            Row(name: "closed video publisher turns video off", context: F.context(participants: [(F.member, F.queueA)], video: [F.member.id]),
                command: .publisherClosed(userId: F.member.id, type: .video), eventTypes: ["MEETING_MEDIA_STREAM_CHANGED"],
                effects: [.unpublish(userId: F.member.id, type: .video)]),
            Row(name: "closed publisher of a stream already off is silent", context: F.context(participants: [(F.member, F.queueA)]),
                command: .publisherClosed(userId: F.member.id, type: .screen)),
            Row(name: "closed publisher of a non-participant is silent", context: F.context(),
                command: .publisherClosed(userId: F.member.id, type: .video)),
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
                if let recording = row.recording {
                    XCTAssertEqual(transition.context.meeting.recording != nil, recording, row.name)
                }
                XCTAssertEqual(transition.meetingDeleted, row.deleted, row.name)
                XCTAssertEqual(transition.context.room.meetingId == nil, row.deleted, row.name)
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
