import Foundation

/// Audio, hand and recording commands (spec §2.5, §2.6): a participant acts on himself; a room
/// owner (the moderator) may only mute others and lower their hands, and starts/stops recording.
extension MeetingStateMachine {
    /// Resolves the target of a `userToModerate` request and checks the moderator rules:
    /// acting on someone else requires `allowedOnOthers` (400 otherwise: only muting / lowering
    /// is allowed), room ownership (403) and participation of the moderator (404). The target
    /// must be a participant (404).
    /// - Returns: the target's participant index and the moderator id (nil when acting on oneself).
    static func moderationTarget(
        _ context: MeetingContext, by user: User, target: UUID?, allowedOnOthers: Bool, what: String
    ) throws(MeetingError) -> (index: Int, moderatorId: UUID?) {
        let targetId = target ?? user.id
        var moderatorId: UUID?
        if targetId != user.id {
            guard allowedOnOthers else { throw .invalidRequest("a moderator can only \(what) others") }
            guard context.room.isOwner(user.id) else { throw .notRoomOwner }
            guard context.meeting.isParticipant(user.id) else { throw .notParticipant }
            moderatorId = user.id
        }
        guard let index = context.meeting.participants.firstIndex(where: { $0.userId == targetId }) else {
            throw .notParticipant
        }
        return (index, moderatorId)
    }

    /// M14: mute/unmute. Unchanged state is a silent no-op (§8.15). Otherwise
    /// `MEETING_AUDIO_STREAM_CHANGED` to the participants and the mixer is told.
    static func setAudio(
        _ context: MeetingContext, by user: User, enabled: Bool, target: UUID?
    ) throws(MeetingError) -> MeetingTransition {
        let (index, moderatorId) = try moderationTarget(
            context, by: user, target: target, allowedOnOthers: !enabled, what: "mute")
        let participant = context.meeting.participants[index]
        guard participant.audioStreamEnabled != enabled else { return MeetingTransition(context: context) }
        var next = context
        next.meeting.participants[index].audioStreamEnabled = enabled
        let changed = context.event(
            .audioStreamChanged(meetingId: context.meeting.id, userId: participant.userId, active: enabled, moderatorId: moderatorId),
            to: [.participants])
        return MeetingTransition(
            context: next, events: [changed], effects: [.setAudioEnabled(userId: participant.userId, enabled: enabled)])
    }

    /// M18: raise (sets `handRaisedAt = now`) or lower. Unchanged state is a silent no-op.
    /// Otherwise `MEETING_PARTICIPANT_HAND_RAISED` then `…_HAND_RAISED_LIST` to the participants.
    static func setHand(
        _ context: MeetingContext, by user: User, raised: Bool, target: UUID?, now: Date
    ) throws(MeetingError) -> MeetingTransition {
        let (index, moderatorId) = try moderationTarget(
            context, by: user, target: target, allowedOnOthers: !raised, what: "lower the hand of")
        let participant = context.meeting.participants[index]
        guard (participant.handRaisedAt != nil) != raised else { return MeetingTransition(context: context) }
        var next = context
        next.meeting.participants[index].handRaisedAt = raised ? now : nil
        let meetingId = context.meeting.id
        let events = [
            context.event(
                .handRaised(meetingId: meetingId, userId: participant.userId, raised: raised,
                            handRaisedAt: raised ? now : nil, moderatorId: moderatorId),
                to: [.participants]),
            context.event(.handRaisedList(meetingId: meetingId, participants: next.meeting.raisedHands), to: [.participants]),
        ]
        return MeetingTransition(context: next, events: events)
    }

    /// Checks shared by M16/M17: non-guest (403), meeting active (400), caller participates
    /// (404) and owns the room (403).
    static func requireRecordingModerator(_ context: MeetingContext, _ user: User) throws(MeetingError) {
        guard !user.isGuest else { throw .guestNotAllowed }
        guard context.meeting.active else { throw .invalidRequest("meeting is not active") }
        guard context.meeting.isParticipant(user.id) else { throw .notParticipant }
        guard context.room.isOwner(user.id) else { throw .notRoomOwner }
    }

    /// M16: starts recording; already recording is a silent no-op (§8.28).
    static func startRecording(_ context: MeetingContext, by user: User, now: Date) throws(MeetingError) -> MeetingTransition {
        try requireRecordingModerator(context, user)
        guard context.meeting.recording == nil else { return MeetingTransition(context: context) }
        var next = context
        next.meeting.recording = MeetingRecording(starterId: user.id, startedAt: now)
        let started = context.event(.recordingStarted(meetingId: context.meeting.id, userId: user.id), to: [.participants])
        return MeetingTransition(context: next, events: [started])
    }

    /// M17: stops recording; nothing recording is a silent no-op (§8.28).
    static func stopRecording(_ context: MeetingContext, by user: User) throws(MeetingError) -> MeetingTransition {
        try requireRecordingModerator(context, user)
        guard context.meeting.recording != nil else { return MeetingTransition(context: context) }
        var next = context
        next.meeting.recording = nil
        let stopped = context.event(.recordingStopped(meetingId: context.meeting.id, userId: user.id), to: [.participants])
        return MeetingTransition(context: next, events: [stopped])
    }
}
