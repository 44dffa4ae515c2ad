import Foundation
import Hummingbird
import Meetings

/// The meeting routes (spec §1.2 M1–M20), exact WSC paths, codes and bodies. Check order
/// (spec §1.1): 401 → 403 guest → 400 body → 404 entity → 403 membership → state.
struct APIRoutes {
    let service: MeetingService

    func register(on router: Router<ParleyRequestContext>) {
        router.get("/meetings", use: listMeetings)
        router.post("/meetings", use: createMeeting)
        router.get("/meetings/:id", use: getMeeting)
        router.delete("/meetings/:id", use: deleteMeeting)
        router.post("/meetings/:id/start", use: start)
        router.post("/meetings/:id/stop", use: stop)
        router.post("/meetings/:id/join", use: join)
        router.post("/meetings/:id/leave", use: leave)
        router.get("/meetings/:id/queue", use: waitingQueue)
        router.post("/meetings/:id/queue/:userId", use: decideWaiting)
        router.put("/meetings/:id/media", use: setMedia)
        router.put("/meetings/:id/media/subscribe", use: subscribe)
        router.put("/meetings/:id/media/answer", use: answer)
        router.put("/meetings/:id/audio", use: setAudio)
        router.put("/meetings/:id/audio/offer", use: audioOffer)
        router.put("/meetings/:id/hand", use: setHand)
        router.post("/meetings/:id/startRecording", use: startRecording)
        router.post("/meetings/:id/stopRecording", use: stopRecording)
        router.get("/public/meetings/:id", use: publicMeeting)
        router.get("/rooms/:id/meeting", use: roomMeeting)
        // A plain GET of the WebSocket endpoint (no upgrade) after authentication.
        router.get("/events") { _, context in
            _ = try context.requireUser()
            return Response(status: .upgradeRequired)
        }
    }

    private func pathId(_ context: ParleyRequestContext, _ name: String = "id") throws -> UUID {
        try context.pathId(name)
    }

    private static let noContent = Response(status: .noContent)

    // MARK: Meetings

    @Sendable func listMeetings(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try context.requireUser()
        return try APIJSON.response(try await service.meetings(of: user).map(MeetingBody.init))
    }

    @Sendable func createMeeting(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard !user.isGuest else { throw MeetingError.guestNotAllowed }
        var request = request
        let fields = try await request.decodeJSON(NewMeetingBody.self, context: context).validated()
        let meeting = try await service.createMeeting(
            roomId: fields.roomId, name: fields.name, type: fields.type, expiration: fields.expiration, by: user)
        return try APIJSON.response(MeetingBody(meeting))  // 200, not 201 (spec §8.1)
    }

    @Sendable func getMeeting(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let meeting = try await service.meeting(id: try pathId(context), by: user)
        return try APIJSON.response(MeetingBody(meeting))
    }

    @Sendable func deleteMeeting(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard !user.isGuest else { throw MeetingError.guestNotAllowed }
        try await service.run(.delete(by: user), meetingId: try pathId(context))
        return Self.noContent
    }

    @Sendable func publicMeeting(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        // No token needed, but a refused one is still 401 (spec M19).
        guard !context.tokenRejected else { throw APIError.unauthorized }
        let name = try await service.publicMeetingName(id: try pathId(context))
        return try APIJSON.response(PublicMeetingBody(name: name))
    }

    @Sendable func roomMeeting(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try context.requireUser()
        return try APIJSON.response(MeetingBody(try await service.meeting(ofRoom: try pathId(context), by: user)))
    }

    @Sendable func start(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard !user.isGuest else { throw MeetingError.guestNotAllowed }
        let transition = try await service.run(.start(by: user), meetingId: try pathId(context))
        return try APIJSON.response(MeetingBody(transition.context.meeting))
    }

    @Sendable func stop(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard !user.isGuest else { throw MeetingError.guestNotAllowed }
        let transition = try await service.run(.stop(by: user), meetingId: try pathId(context))
        return try APIJSON.response(MeetingBody(transition.context.meeting))
    }

    @Sendable func join(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try context.requireUser()
        // Deliberate fix: the reference answers 500 here (spec §8.7).
        guard let queueId = context.queueId else { throw APIError.badRequest("queue-id header missing") }
        var request = request
        _ = try await request.decodeJSON(JoinSettingsBody.self, context: context)
        let transition = try await service.run(.join(by: user, queueId: queueId), meetingId: try pathId(context))
        return try APIJSON.response(JoinStatusBody(status: (transition.joinStatus ?? .accepted).rawValue))
    }

    @Sendable func leave(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try context.requireUser()
        try await service.run(.leave(by: user), meetingId: try pathId(context))
        return Self.noContent
    }

    // MARK: Waiting queue (scheduled meetings, spec §2.4)

    @Sendable func waitingQueue(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard !user.isGuest else { throw MeetingError.guestNotAllowed }
        let users = try await service.waitingUsers(meetingId: try pathId(context), by: user)
        return try APIJSON.response(WaitingUsersBody(users: users.map(\.apiString)))
    }

    @Sendable func decideWaiting(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard !user.isGuest else { throw MeetingError.guestNotAllowed }
        var request = request
        let decision = try await request.decodeJSON(QueueDecisionBody.self, context: context).validated()
        let meetingId = try pathId(context)
        let target = try pathId(context, "userId")
        try await service.run(.decideWaiting(by: user, userId: target, decision: decision), meetingId: meetingId)
        return Self.noContent
    }

    // MARK: Media

    @Sendable func setMedia(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try context.requireUser()
        var request = request
        let settings = try await request.decodeJSON(MediaStreamSettingsBody.self, context: context).validated()
        try await service.setMediaStream(
            meetingId: try pathId(context), by: user, type: settings.type, enabled: settings.enabled, offer: settings.sdp)
        return Self.noContent
    }

    @Sendable func subscribe(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try context.requireUser()
        var request = request
        let updates = try await request.decodeJSON(SubscriptionUpdatesBody.self, context: context).validated()
        try await service.updateSubscriptions(
            meetingId: try pathId(context), by: user, subscribe: updates.subscribe, unsubscribe: updates.unsubscribe)
        return Self.noContent
    }

    // MARK: Audio, hand, recording (spec §2.5, §2.6)

    @Sendable func setAudio(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try context.requireUser()
        var request = request
        let settings = try await request.decodeJSON(AudioStreamSettingsBody.self, context: context).validated()
        try await service.run(.setAudio(by: user, enabled: settings.enabled, target: settings.target), meetingId: try pathId(context))
        return Self.noContent
    }

    @Sendable func audioOffer(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(SessionDescriptionBody.self, context: context)
        guard !body.sdp.isEmpty else { throw APIError.badRequest("empty sdp") }
        try await service.audioOffer(meetingId: try pathId(context), by: user, offer: body.sdp)
        return Self.noContent
    }

    @Sendable func setHand(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try context.requireUser()
        var request = request
        let hand = try await request.decodeJSON(HandStatusBody.self, context: context).validated()
        try await service.run(.setHand(by: user, raised: hand.raised, target: hand.target), meetingId: try pathId(context))
        return Self.noContent
    }

    @Sendable func startRecording(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard !user.isGuest else { throw MeetingError.guestNotAllowed }
        try await service.run(.startRecording(by: user), meetingId: try pathId(context))
        return Self.noContent
    }

    @Sendable func stopRecording(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try context.requireUser()
        guard !user.isGuest else { throw MeetingError.guestNotAllowed }
        var request = request
        _ = try await request.decodeJSON(RecordingFieldsBody.self, context: context).validated()
        try await service.run(.stopRecording(by: user), meetingId: try pathId(context))
        return Self.noContent
    }

    @Sendable func answer(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try context.requireUser()
        var request = request
        let body = try await request.decodeJSON(SessionDescriptionBody.self, context: context)
        guard !body.sdp.isEmpty else { throw APIError.badRequest("empty sdp") }
        try await service.applySubscriberAnswer(meetingId: try pathId(context), by: user, answer: body.sdp)
        return Self.noContent
    }
}
