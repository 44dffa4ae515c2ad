import Foundation

/// The pure meeting state machine (spec §2): a command and the current ``MeetingContext`` in,
/// a ``MeetingTransition`` out, or a ``MeetingError`` and no change.
///
/// Deviations from the reference (deliberate, spec §8): start/stop check guest and membership
/// *before* any change (§8.3); a non-member who already waits and joins again stays WAITING
/// (§8.10, no 500); an accepted non-member is admitted even if adding him to the room failed.
public enum MeetingStateMachine {
    /// Applies `command` to `context` at time `now`.
    /// - Throws: ``MeetingError`` with the WSC status of the refusal; the context is unchanged.
    public static func apply(
        _ command: MeetingCommand, to context: MeetingContext, now: Date
    ) throws(MeetingError) -> MeetingTransition {
        switch command {
        case .start(let user): return try start(context, by: user, now: now)
        case .stop(let user): return try stop(context, by: user)
        case .join(let user, let queueId): return try join(context, by: user, queueId: queueId, now: now)
        case .leave(let user): return try leave(context, by: user)
        case .queueClosed(let queueId): return queueClosed(context, queueId: queueId)
        case .setMediaStream(let user, let type, let enabled):
            return try setMediaStream(context, userId: user.id, type: type, enabled: enabled)
        case .requireParticipant(let user):
            guard context.meeting.isParticipant(user.id) else { throw .notParticipant }
            return MeetingTransition(context: context)
        case .decideWaiting(let user, let userId, let decision):
            return try decideWaiting(context, by: user, userId: userId, decision: decision, now: now)
        case .delete(let user):
            guard !user.isGuest else { throw .guestNotAllowed }
            try context.room.requireMember(user.id)
            return deleted(context, actor: user.id)
        case .expire:
            return deleted(context, actor: nil)
        case .setAudio(let user, let enabled, let target):
            return try setAudio(context, by: user, enabled: enabled, target: target)
        case .setHand(let user, let raised, let target):
            return try setHand(context, by: user, raised: raised, target: target, now: now)
        case .startRecording(let user):
            return try startRecording(context, by: user, now: now)
        case .stopRecording(let user):
            return try stopRecording(context, by: user)
        case .publisherClosed(let userId, let type):
            guard context.meeting.isParticipant(userId) else { return MeetingTransition(context: context) }
            return try setMediaStream(context, userId: userId, type: type, enabled: false)
        }
    }

    // MARK: - Lifecycle (§2.1)

    static func start(_ context: MeetingContext, by user: User, now: Date) throws(MeetingError) -> MeetingTransition {
        guard !user.isGuest else { throw .guestNotAllowed }
        try context.room.requireMember(user.id)
        var next = context
        next.meeting.active = true
        next.meeting.startedAt = now  // every start resets startedAt (§8.4)
        let started = context.event(
            .meetingStarted(meetingId: context.meeting.id, starterUser: user.id, startedAt: now), to: [.roomMembers])
        return MeetingTransition(context: next, events: [started])
    }

    static func stop(_ context: MeetingContext, by user: User) throws(MeetingError) -> MeetingTransition {
        guard !user.isGuest else { throw .guestNotAllowed }
        try context.room.requireMember(user.id)
        return stopped(context, actor: user.id, snapshot: context.meeting)
    }

    /// Stops the meeting: a running recording ends (`MEETING_RECORDING_STOPPED` to the
    /// participants of `snapshot`, by `actor` or else the starter), participants and waiting queue
    /// are cleared, `MEETING_STOPPED` goes to room members plus every user still WAITING, and the
    /// media plane is told to close the meeting.
    static func stopped(
        _ context: MeetingContext, actor: UUID?, snapshot: Meeting,
        events: [AddressedEvent] = [], effects: [MediaEffect] = []
    ) -> MeetingTransition {
        var next = context
        var events = events
        if let recording = context.meeting.recording {
            next.meeting.recording = nil
            events.append(AddressedEvent(
                .recordingStopped(meetingId: context.meeting.id, userId: actor ?? recording.starterId),
                to: [.participants], room: context.room, meeting: snapshot))
        }
        next.meeting.active = false
        next.meeting.startedAt = nil
        next.meeting.participants = []
        next.waitingList = []
        let waitingUsers = context.waitingList.filter { $0.status == .waiting }.map { Recipient.user($0.userId) }
        events.append(context.event(.meetingStopped(meetingId: context.meeting.id), to: [.roomMembers] + waitingUsers))
        return MeetingTransition(context: next, events: events, effects: effects + [.closeMeeting])
    }

    /// Deletes the meeting (M4, room deletion, expiration). A running meeting, or one with users
    /// waiting, is stopped first (so waiting users hear `MEETING_STOPPED`); then
    /// `MEETING_DELETED` goes to room members and the room forgets the meeting.
    static func deleted(_ context: MeetingContext, actor: UUID?) -> MeetingTransition {
        var transition: MeetingTransition
        if context.meeting.active || !context.waitingList.isEmpty || context.meeting.recording != nil {
            transition = stopped(context, actor: actor, snapshot: context.meeting)
        } else {
            transition = MeetingTransition(context: context, effects: [.closeMeeting])
        }
        transition.events.append(context.event(.meetingDeleted(meetingId: context.meeting.id), to: [.roomMembers]))
        transition.context.room.meetingId = nil
        transition.meetingDeleted = true
        transition.joinStatus = nil
        return transition
    }

    // MARK: - Join (§2.3)

    static func join(
        _ context: MeetingContext, by user: User, queueId: UUID, now: Date
    ) throws(MeetingError) -> MeetingTransition {
        let meetingId = context.meeting.id
        if let index = context.meeting.participants.firstIndex(where: { $0.userId == user.id }) {
            let old = context.meeting.participants[index]
            guard old.queueId != queueId else { throw .alreadyParticipantFromSameQueue }
            // Clash: the same user joins from another queue; the old session is kicked.
            var next = context
            next.meeting.participants[index] = Participant(
                userId: user.id, queueId: queueId, joinedAt: old.joinedAt, handRaisedAt: old.handRaisedAt)
            let events = [
                context.event(.participantLeft(meetingId: meetingId, userId: user.id), to: [.roomMembers]),
                context.event(.participantClashed(meetingId: meetingId), to: [.queue(old.queueId)]),
                context.event(.participantJoined(meetingId: meetingId, userId: user.id), to: [.roomMembers]),
            ]
            return MeetingTransition(
                context: next, events: events, effects: [.removeParticipant(userId: user.id)], joinStatus: .accepted)
        }

        switch context.meeting.meetingType {
        case .permanent:
            try context.room.requireMember(user.id)
            return try admit(context, user: user, queueId: queueId, now: now)
        case .scheduled:
            if context.room.isOwner(user.id) {
                return try admit(context, user: user, queueId: queueId, now: now)
            }
            guard let entry = context.waitingEntry(user.id) else {
                var next = context
                next.waitingList.append(WaitingParticipant(userId: user.id, queueId: queueId, status: .waiting))
                let joined = context.event(
                    .waitingParticipantJoined(meetingId: meetingId, userId: user.id), to: [.roomOwners])
                return MeetingTransition(context: next, events: [joined], joinStatus: .waiting)
            }
            switch entry.status {
            case .waiting:
                guard entry.queueId != queueId else { return MeetingTransition(context: context, joinStatus: .waiting) }
                var next = context
                next.waitingList = context.waitingList.map {
                    $0.userId == user.id ? WaitingParticipant(userId: user.id, queueId: queueId, status: .waiting) : $0
                }
                let clashed = context.event(.waitingParticipantClashed(meetingId: meetingId), to: [.queue(entry.queueId)])
                return MeetingTransition(context: next, events: [clashed], joinStatus: .waiting)
            case .accepted:
                var admitted = try admit(context, user: user, queueId: queueId, now: now)
                admitted.context.waitingList.removeAll { $0.userId == user.id }
                return admitted
            }
        }
    }

    /// Adds `user` as participant: requires a started meeting (424), emits `JOINED` to room members.
    static func admit(
        _ context: MeetingContext, user: User, queueId: UUID, now: Date
    ) throws(MeetingError) -> MeetingTransition {
        guard context.meeting.active else { throw .meetingNotStarted }
        var next = context
        next.meeting.participants.append(Participant(userId: user.id, queueId: queueId, joinedAt: now))
        let joined = context.event(
            .participantJoined(meetingId: context.meeting.id, userId: user.id), to: [.roomMembers])
        return MeetingTransition(context: next, events: [joined], joinStatus: .accepted)
    }

    // MARK: - Leave and WebSocket close (§2.2, §4.1)

    static func leave(_ context: MeetingContext, by user: User) throws(MeetingError) -> MeetingTransition {
        let participates = context.meeting.isParticipant(user.id)
        guard context.room.isMember(user.id) || participates else { throw .notRoomMember }
        guard participates else { return MeetingTransition(context: context) }  // 204, nothing to do (§8.14)
        return removeParticipant(context, userId: user.id)
    }

    static func queueClosed(_ context: MeetingContext, queueId: UUID) -> MeetingTransition {
        var transition = MeetingTransition(context: context)
        if let participant = context.meeting.participants.first(where: { $0.queueId == queueId }) {
            transition = removeParticipant(context, userId: participant.userId)
        }
        if let entry = transition.context.waitingList.first(where: { $0.queueId == queueId }) {
            transition.context.waitingList.removeAll { $0.queueId == queueId }
            transition.events.append(context.event(
                .waitingParticipantRejected(meetingId: context.meeting.id, userId: entry.userId),
                to: [.roomOwners, .queue(queueId)]))
        }
        return transition
    }

    /// Removes one participant: `LEFT` to room members, media plane teardown, and an implicit
    /// stop when nobody remains (§2.1).
    static func removeParticipant(_ context: MeetingContext, userId: UUID) -> MeetingTransition {
        var next = context
        next.meeting.participants.removeAll { $0.userId == userId }
        let left = context.event(.participantLeft(meetingId: context.meeting.id, userId: userId), to: [.roomMembers])
        let effects: [MediaEffect] = [.removeParticipant(userId: userId)]
        if next.meeting.participants.isEmpty && next.meeting.active {
            return stopped(next, actor: userId, snapshot: context.meeting, events: [left], effects: effects)
        }
        return MeetingTransition(context: next, events: [left], effects: effects)
    }

    // MARK: - Media (§2.5)

    static func setMediaStream(
        _ context: MeetingContext, userId: UUID, type: MediaStreamType, enabled: Bool
    ) throws(MeetingError) -> MeetingTransition {
        guard let index = context.meeting.participants.firstIndex(where: { $0.userId == userId }) else {
            throw .notParticipant
        }
        // Unchanged state is a silent no-op (§8.15).
        guard context.meeting.participants[index].isStreamEnabled(type) != enabled else {
            return MeetingTransition(context: context)
        }
        var next = context
        next.meeting.participants[index].setStream(type, enabled: enabled)
        let changed = context.event(
            .mediaStreamChanged(meetingId: context.meeting.id, userId: userId, mediaType: type, active: enabled),
            to: [.participants])
        let effects: [MediaEffect] = enabled ? [] : [.unpublish(userId: userId, type: type)]
        return MeetingTransition(context: next, events: [changed], effects: effects)
    }

    // MARK: - Waiting queue (§2.4)

    static func decideWaiting(
        _ context: MeetingContext, by user: User, userId: UUID, decision: WaitingDecision, now: Date
    ) throws(MeetingError) -> MeetingTransition {
        guard !user.isGuest else { throw .guestNotAllowed }
        switch decision {
        case .accepted:
            guard context.room.isOwner(user.id) else { throw .notRoomOwner }
        case .rejected:
            guard context.room.isOwner(user.id) || user.id == userId else { throw .notRoomOwner }
        }
        guard let entry = context.waitingEntry(userId) else { throw .notInWaitingQueue }
        let meetingId = context.meeting.id
        var next = context
        var events: [AddressedEvent] = []
        switch decision {
        case .accepted:
            next.waitingList = context.waitingList.map {
                $0.userId == userId ? WaitingParticipant(userId: userId, queueId: entry.queueId, status: .accepted) : $0
            }
            // The accepted user becomes a non-owner member where the room type allows it.
            if !context.room.isMember(userId) && context.room.type != .oneToOne {
                next.room.members.append(Member(userId: userId, owner: false, joinedAt: now))
                events.append(AddressedEvent(
                    .roomMemberAdded(roomId: context.room.id, userId: userId, isOwner: false),
                    to: [.roomMembers], room: next.room, meeting: next.meeting))
            }
            events.append(context.event(
                .waitingParticipantAccepted(meetingId: meetingId, userId: userId),
                to: [.roomOwners, .queue(entry.queueId)]))
        case .rejected:
            next.waitingList.removeAll { $0.userId == userId }
            events.append(context.event(
                .waitingParticipantRejected(meetingId: meetingId, userId: userId),
                to: [.roomOwners, .queue(entry.queueId)]))
        }
        return MeetingTransition(context: next, events: events)
    }

    /// `GET /meetings/{id}/queue` (M9): user ids in WAITING status, for non-guest owners only.
    public static func waitingUsers(_ context: MeetingContext, by user: User) throws(MeetingError) -> [UUID] {
        guard !user.isGuest else { throw .guestNotAllowed }
        try context.room.requireMember(user.id)
        guard context.room.isOwner(user.id) else { throw .notRoomOwner }
        return context.waitingList.filter { $0.status == .waiting }.map(\.userId)
    }
}
