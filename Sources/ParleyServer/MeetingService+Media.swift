import Foundation
import Logging
import Meetings
import Storage

/// Audio signalling, media plane events, meeting reads beyond M1/M3 and the expiration job.
extension MeetingService {
    /// `PUT /meetings/{id}/audio/offer` (M15): the media plane answers the participant's audio
    /// offer; the answer goes to every connection of the user as `MEETING_AUDIO_ANSWERED`, then
    /// the mixer gets the participant's current mute state.
    /// - Throws: 404 meeting / not a participant; ``MediaPlaneError`` (400 SDP, 424 unavailable).
    public func audioOffer(meetingId: UUID, by user: User, offer: String) async throws {
        let now = clock()
        let mediaPlane = self.mediaPlane
        let (answer, enabled) = try await store.read { session in
            guard let context = try await session.meetingContext(meetingId: meetingId) else { throw MeetingError.meetingNotFound }
            _ = try MeetingStateMachine.apply(.requireParticipant(by: user), to: context, now: now)
            let answer = try await mediaPlane.audioOffer(meetingId: meetingId, userId: user.id, offer: offer)
            return (answer, context.meeting.participant(user.id)?.audioStreamEnabled ?? false)
        }
        await mediaPlane.setAudioEnabled(meetingId: meetingId, userId: user.id, enabled: enabled)
        hub.send(.audioAnswered(meetingId: meetingId, userId: user.id, sdp: answer), sentDate: now,
                 to: DeliveryAddresses(users: [user.id]))
    }

    /// Queues a media plane event for ``handle(_:)`` (events are handled in arrival order).
    public func enqueue(_ event: MediaPlaneEvent) {
        mediaEvents.enqueue { await self.handle(event) }
    }

    /// Handles what the media plane reports by itself: talking changes become
    /// `MEETING_PARTICIPANT_TALKING` to the meeting's participants (the users with a media
    /// session, spec §3.5). A transport whose peer stopped answering ICE consent checks (RFC 7675:
    /// 30 s silent) means the participant is gone: they leave the meeting, with the events of a
    /// leave (issue 4 §6). Otherwise a closed video/screen publisher transport (DTLS close, failed
    /// handshake) turns that stream off (`MEETING_MEDIA_STREAM_CHANGED {active:false}`); other
    /// closures are only logged. Errors are logged, never thrown.
    public func handle(_ event: MediaPlaneEvent) async {
        let now = clock()
        do {
            switch event {
            case .talking(let meetingId, let userId, let isTalking):
                let participants = try await store.read { try await $0.meeting(id: meetingId)?.participantIds } ?? []
                guard participants.contains(userId) else { return }
                hub.send(.participantTalking(meetingId: meetingId, userId: userId, isTalking: isTalking), sentDate: now,
                         to: DeliveryAddresses(users: Set(participants)))
            case .transportClosed(let meetingId, let userId, let kind, let reason):
                logger.info("media transport closed", metadata: [
                    "meetingId": "\(meetingId)", "userId": "\(userId)", "kind": "\(kind.rawValue)", "reason": "\(reason)",
                ])
                if reason.contains(MediaPlaneEvent.consentExpiredReason) {
                    guard let user = try await store.read({ try await $0.user(id: userId) }) else { return }
                    let participants = try await store.read { try await $0.meeting(id: meetingId)?.participantIds } ?? []
                    guard participants.contains(userId) else { return }
                    try await run(.leave(by: user), meetingId: meetingId)
                    return
                }
                let type: MediaStreamType
                switch kind {
                case .video: type = .video
                case .screen: type = .screen
                case .audio, .subscriber: return
                }
                try await run(.publisherClosed(userId: userId, type: type), meetingId: meetingId)
            }
        } catch MeetingError.meetingNotFound {
            return  // the meeting went away meanwhile
        } catch {
            logger.error("media plane event failed", metadata: ["event": "\(event)", "error": "\(error)"])
        }
    }

    /// `GET /public/meetings/{id}` (M19): the name of a scheduled meeting, for anyone.
    /// - Throws: 404 for a missing or permanent meeting.
    public func publicMeetingName(id: UUID) async throws -> String? {
        guard let meeting = try await store.read({ try await $0.meeting(id: id) }), meeting.meetingType == .scheduled else {
            throw MeetingError.meetingNotFound
        }
        return meeting.name
    }

    /// `GET /rooms/{id}/meeting` (M20): room members only; 404 when the room has no meeting.
    public func meeting(ofRoom roomId: UUID, by user: User) async throws -> Meeting {
        let context = try await store.read { try await $0.roomContext(roomId: roomId) }
        guard let context else { throw MeetingError.roomNotFound }
        try RoomRules.requireReadAccess(to: context.room, by: user)
        guard let meeting = context.meeting else { throw MeetingError.meetingNotFound }
        return meeting
    }

    /// The expiration job: stops and deletes every scheduled meeting whose `expiration` is at or
    /// before the clock's now, with the normal events (`MEETING_STOPPED` when it ran or had
    /// waiting users, then `MEETING_DELETED`). Returns the ids deleted; errors are logged.
    @discardableResult
    public func expireMeetings() async -> [UUID] {
        let now = clock()
        var expired: [UUID] = []
        do {
            for meetingId in try await store.read({ try await $0.expiredMeetingIds(now: now) }) {
                do {
                    try await run(.expire, meetingId: meetingId)
                    expired.append(meetingId)
                } catch MeetingError.meetingNotFound {
                    continue  // deleted meanwhile
                }
            }
        } catch {
            logger.error("meeting expiration failed", metadata: ["error": "\(error)"])
        }
        if !expired.isEmpty { logger.info("expired scheduled meetings", metadata: ["meetingIds": "\(expired)"]) }
        return expired
    }
}
