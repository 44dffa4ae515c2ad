import Foundation
import Logging
import Meetings
import Storage

/// The control plane's application service: loads state, lets the pure ``MeetingStateMachine``
/// / ``RoomRules`` decide, commits the change in one transaction, then tells the media plane
/// and pushes the events (issue 2, data flow of ARCHITECTURE.md). Every operation is
/// serialised through the store, so a decision and its commit see the same state.
public final class MeetingService: Sendable {
    let store: ParleyStore
    let mediaPlane: any MeetingMediaPlane
    let hub: EventHub
    let logger: Logger
    let clock: @Sendable () -> Date
    /// `maxGroupMembers` capability: group size limit for creation and member insertion.
    let maxGroupMembers: Int
    /// Media plane events, handled one at a time in arrival order.
    let mediaEvents = SerialJobQueue()

    public init(
        store: ParleyStore, mediaPlane: any MeetingMediaPlane, hub: EventHub, logger: Logger,
        clock: @escaping @Sendable () -> Date = { Date() }, maxGroupMembers: Int = RoomRules.defaultMaxGroupMembers
    ) {
        self.store = store
        self.mediaPlane = mediaPlane
        self.hub = hub
        self.logger = logger
        self.clock = clock
        self.maxGroupMembers = maxGroupMembers
    }

    // MARK: - Rooms

    /// `POST /rooms`: validates, stores the room and its members, sends `ROOM_CREATED`.
    public func createRoom(_ fields: RoomCreation, by user: User) async throws -> Room {
        let now = clock()
        let transition = try await store.transaction { session in
            let known = try await session.knownUserIds(among: fields.members.map(\.userId))
            var oneToOneExists = false
            if fields.type == .oneToOne, let other = fields.members.first, known.contains(other.userId) {
                oneToOneExists = try await session.oneToOneRoomExists(between: user.id, and: other.userId)
            }
            let transition = try RoomRules.createRoom(
                fields, by: user, id: UUID(), now: now, knownUsers: known, oneToOneExists: oneToOneExists,
                maxGroupMembers: self.maxGroupMembers)
            try await session.insertRoom(transition.room)
            return transition
        } afterCommit: { [hub] transition in
            hub.deliver(transition.events, sentDate: now)
        }
        return transition.room
    }

    /// `GET /rooms/{id}`: members only.
    public func room(id: UUID, by user: User) async throws -> Room {
        guard let room = try await store.read({ try await $0.room(id: id) }) else { throw MeetingError.roomNotFound }
        try RoomRules.requireReadAccess(to: room, by: user)
        return room
    }

    // MARK: - Meetings

    /// `POST /meetings`: creates the room's meeting, sends `MEETING_CREATED` to room members.
    public func createMeeting(
        roomId: UUID, name: String, type: MeetingType, expiration: Date?, by user: User
    ) async throws -> Meeting {
        let now = clock()
        let transition = try await store.transaction { session in
            guard let room = try await session.room(id: roomId) else { throw MeetingError.roomNotFound }
            let transition = try RoomRules.createMeeting(
                in: room, by: user, name: name, type: type, expiration: expiration, id: UUID(), now: now)
            guard let meeting = transition.meeting else { throw MeetingError.meetingNotFound }
            try await session.insertMeeting(meeting)
            try await session.saveRoom(transition.room, replacing: room)
            return transition
        } afterCommit: { [hub] transition in
            hub.deliver(transition.events, sentDate: now)
        }
        guard let meeting = transition.meeting else { throw MeetingError.meetingNotFound }
        return meeting
    }

    /// `GET /meetings` (M1): meetings of every room the caller is a member of.
    public func meetings(of user: User) async throws -> [Meeting] {
        try await store.read { try await $0.meetings(ofMember: user.id) }
    }

    /// `GET /meetings/{id}`: room members only.
    public func meeting(id: UUID, by user: User) async throws -> Meeting {
        guard let context = try await store.read({ try await $0.meetingContext(meetingId: id) }) else {
            throw MeetingError.meetingNotFound
        }
        try RoomRules.requireReadAccess(to: context.room, by: user)
        return context.meeting
    }

    /// `GET /meetings/{id}/queue` (M9): users WAITING, for non-guest room owners.
    public func waitingUsers(meetingId: UUID, by user: User) async throws -> [UUID] {
        guard let context = try await store.read({ try await $0.meetingContext(meetingId: meetingId) }) else {
            throw MeetingError.meetingNotFound
        }
        return try MeetingStateMachine.waitingUsers(context, by: user)
    }

    /// Runs a state-machine command on meeting `meetingId`: decide, commit, then apply the media
    /// effects and push the events (in that order, before the next command).
    /// - Throws: ``MeetingError`` (404 unknown meeting, or the command's refusal).
    @discardableResult
    public func run(_ command: MeetingCommand, meetingId: UUID) async throws -> MeetingTransition {
        let now = clock()
        return try await store.transaction { session in
            guard let context = try await session.meetingContext(meetingId: meetingId) else { throw MeetingError.meetingNotFound }
            let transition = try MeetingStateMachine.apply(command, to: context, now: now)
            if transition.meetingDeleted {
                try await session.deleteMeeting(id: meetingId)
            } else if transition.context != context {
                try await session.save(transition.context, replacing: context)
            }
            return transition
        } afterCommit: { transition in
            await self.finish(transition, meetingId: meetingId, sentDate: now)
        }
    }

    /// `PUT /meetings/{id}/media` (M11). Enabling hands the offer to the media plane *before*
    /// anything is committed: an SDP error leaves no trace (400). Then `MEETING_SDP_ANSWERED` goes
    /// to the user and `MEETING_MEDIA_STREAM_CHANGED` to the participants. Unchanged state is a
    /// no-op (spec §8.15).
    public func setMediaStream(
        meetingId: UUID, by user: User, type: MediaStreamType, enabled: Bool, offer: String?
    ) async throws {
        let now = clock()
        let mediaPlane = self.mediaPlane
        _ = try await store.transaction { session -> MediaChange in
            guard let context = try await session.meetingContext(meetingId: meetingId) else { throw MeetingError.meetingNotFound }
            let transition = try MeetingStateMachine.apply(
                .setMediaStream(by: user, type: type, enabled: enabled), to: context, now: now)
            guard transition.context != context else { return MediaChange(transition: transition, answer: nil) }
            var answer: String?
            if enabled {
                guard let offer else { throw APIError.badRequest("sdp required when enabling") }
                answer = try await mediaPlane.publish(meetingId: meetingId, userId: user.id, type: type, offer: offer)
            }
            try await session.save(transition.context, replacing: context)
            return MediaChange(transition: transition, answer: answer)
        } afterCommit: { change in
            if let answer = change.answer {
                self.hub.send(.sdpAnswered(meetingId: meetingId, userId: user.id, mediaType: type, sdp: answer),
                              sentDate: now, to: DeliveryAddresses(users: [user.id]))
            }
            await self.finish(change.transition, meetingId: meetingId, sentDate: now)
        }
    }

    /// `PUT /meetings/{id}/media/subscribe` (M13): the media plane builds the subscriber offer;
    /// `MEETING_SDP_OFFERED` and `MEETING_PARTICIPANT_SUBSCRIBED` go to every connection of the user.
    public func updateSubscriptions(
        meetingId: UUID, by user: User, subscribe: [MediaStreamRef], unsubscribe: [MediaStreamRef]
    ) async throws {
        let now = clock()
        let mediaPlane = self.mediaPlane
        let offer = try await store.read { session in
            guard let context = try await session.meetingContext(meetingId: meetingId) else { throw MeetingError.meetingNotFound }
            _ = try MeetingStateMachine.apply(.requireParticipant(by: user), to: context, now: now)
            return try await mediaPlane.updateSubscriptions(
                meetingId: meetingId, userId: user.id, subscribe: subscribe, unsubscribe: unsubscribe)
        }
        let streams = offer.streams.map { SubscribedStream(type: $0.type, userId: $0.userId, mid: $0.mid) }
        let me = DeliveryAddresses(users: [user.id])
        hub.send(.sdpOffered(meetingId: meetingId, userId: user.id, mediaType: .video, sdp: offer.sdp), sentDate: now, to: me)
        hub.send(.participantSubscribed(meetingId: meetingId, userId: user.id, streams: streams), sentDate: now, to: me)
    }

    /// `PUT /meetings/{id}/media/answer` (M12): completes the subscriber negotiation.
    public func applySubscriberAnswer(meetingId: UUID, by user: User, answer: String) async throws {
        let now = clock()
        let mediaPlane = self.mediaPlane
        try await store.read { session in
            guard let context = try await session.meetingContext(meetingId: meetingId) else { throw MeetingError.meetingNotFound }
            _ = try MeetingStateMachine.apply(.requireParticipant(by: user), to: context, now: now)
            try await mediaPlane.applySubscriberAnswer(meetingId: meetingId, userId: user.id, answer: answer)
        }
    }

    /// A WebSocket connection closed (spec §4.1): its participant leaves every meeting (implicit
    /// stop when last), its waiting entries are rejected. Errors are logged, never thrown.
    public func queueClosed(_ queueId: UUID) async {
        do {
            let meetingIds = try await store.read { try await $0.meetingIds(withQueue: queueId) }
            for meetingId in meetingIds {
                try await run(.queueClosed(queueId: queueId), meetingId: meetingId)
            }
        } catch {
            logger.error("cleanup after WebSocket close failed", metadata: ["queueId": "\(queueId)", "error": "\(error)"])
        }
    }

    /// Applies media effects, then delivers events.
    func finish(_ transition: MeetingTransition, meetingId: UUID, sentDate: Date) async {
        await apply(transition.effects, meetingId: meetingId)
        hub.deliver(transition.events, sentDate: sentDate)
    }

    /// Tells the media plane what a committed command changed for meeting `meetingId`.
    func apply(_ effects: [MediaEffect], meetingId: UUID) async {
        for effect in effects {
            switch effect {
            case .removeParticipant(let userId): await mediaPlane.removeParticipant(meetingId: meetingId, userId: userId)
            case .unpublish(let userId, let type): await mediaPlane.unpublish(meetingId: meetingId, userId: userId, type: type)
            case .setAudioEnabled(let userId, let enabled):
                await mediaPlane.setAudioEnabled(meetingId: meetingId, userId: userId, enabled: enabled)
            case .closeMeeting: await mediaPlane.closeMeeting(meetingId: meetingId)
            }
        }
    }
}

/// Runs queued async jobs one after another, in order, on one task that exists only while
/// jobs are pending. Enqueueing never blocks.
final class SerialJobQueue: @unchecked Sendable {
    private let lock = NSLock()
    private var pending: [@Sendable () async -> Void] = []
    private var running = false

    func enqueue(_ job: @escaping @Sendable () async -> Void) {
        lock.lock()
        pending.append(job)
        let start = !running
        running = true
        lock.unlock()
        if start { Task { await self.drain() } }
    }

    private func next() -> (@Sendable () async -> Void)? {
        lock.lock()
        defer { lock.unlock() }
        guard !pending.isEmpty else {
            running = false
            return nil
        }
        return pending.removeFirst()
    }

    private func drain() async {
        while let job = next() { await job() }
    }
}

/// A committed media toggle and, when a stream was enabled, the media plane's SDP answer.
struct MediaChange: Sendable {
    var transition: MeetingTransition
    var answer: String?
}
