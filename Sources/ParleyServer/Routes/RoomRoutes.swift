import Foundation
import Hummingbird
import Meetings

/// The room and member routes (spec §1.3): exact WSC paths, codes and bodies. Check order
/// (spec §1.1): 401 → 403 guest → 400 body → 404 room → 403 membership/ownership → state.
struct RoomRoutes {
    let service: MeetingService

    func register(on router: Router<ParleyRequestContext>) {
        router.get("/rooms", use: listRooms)
        router.post("/rooms", use: createRoom)
        router.get("/rooms/:id", use: getRoom)
        router.put("/rooms/:id", use: updateRoom)
        router.delete("/rooms/:id", use: deleteRoom)
        router.put("/rooms/:id/mute", use: mute)
        router.delete("/rooms/:id/mute", use: unmute)
        router.put("/rooms/:id/clear", use: clear)
        router.get("/rooms/:id/members", use: listMembers)
        router.post("/rooms/:id/members", use: addMembers)
        router.put("/rooms/:id/members/owners", use: setOwners)
        router.delete("/rooms/:id/members/:userId", use: removeMember)
        router.put("/rooms/:id/members/:userId/owner", use: promote)
        router.delete("/rooms/:id/members/:userId/owner", use: demote)
    }

    private static let noContent = Response(status: .noContent)

    /// The caller, refused (403) when a guest (spec §5.5).
    private func internalUser(_ context: ParleyRequestContext) throws -> User {
        let user = try context.requireUser()
        guard !user.isGuest else { throw MeetingError.guestNotAllowed }
        return user
    }

    @Sendable func listRooms(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try context.requireUser()
        var members = false, settings = false
        for field in request.uri.queryParameters.getAll("extraFields") {
            switch field.lowercased() {
            case "members": members = true
            case "settings": settings = true
            default: throw APIError.badRequest("unknown extraFields value")
            }
        }
        let views = try await service.rooms(of: user)
        return try APIJSON.response(views.map { RoomBody($0.room, members: members, settings: settings ? $0.settings : nil) })
    }

    @Sendable func createRoom(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try internalUser(context)
        var request = request
        let fields = try await request.decodeJSON(RoomCreationBody.self, context: context).validated()
        let room = try await service.createRoom(fields, by: user)
        return try APIJSON.response(RoomBody(room), status: .created)
    }

    @Sendable func getRoom(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try context.requireUser()
        let view = try await service.roomView(id: try context.pathId(), by: user)
        return try APIJSON.response(RoomBody(view.room, members: true, settings: view.settings))
    }

    @Sendable func updateRoom(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try internalUser(context)
        var request = request
        let body = try await request.decodeJSON(RoomUpdateBody.self, context: context)
        guard body.name != nil || body.description != nil else { throw APIError.badRequest("neither name nor description") }
        if let name = body.name, name.isEmpty || name.count > RoomRules.maxNameLength { throw APIError.badRequest("name length") }
        if let description = body.description, description.count > RoomRules.maxDescriptionLength {
            throw APIError.badRequest("description length")
        }
        let room = try await service.updateRoom(id: try context.pathId(), by: user, name: body.name, description: body.description)
        return try APIJSON.response(RoomBody(room, members: false, settings: nil))
    }

    @Sendable func deleteRoom(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try internalUser(context)
        try await service.run(.delete(by: user), roomId: try context.pathId())
        return Self.noContent
    }

    @Sendable func mute(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try await service.setMuted(roomId: try context.pathId(), by: try internalUser(context), muted: true)
        return Self.noContent
    }

    @Sendable func unmute(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        try await service.setMuted(roomId: try context.pathId(), by: try internalUser(context), muted: false)
        return Self.noContent
    }

    @Sendable func clear(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let clearedAt = try await service.clearHistory(roomId: try context.pathId(), by: try internalUser(context))
        return try APIJSON.response(ClearedAtBody(clearedAt: clearedAt))
    }

    @Sendable func listMembers(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let members = try await service.members(roomId: try context.pathId(), by: try context.requireUser())
        return try APIJSON.response(members.map { MemberBody(userId: $0.userId.apiString, owner: $0.owner) })
    }

    @Sendable func addMembers(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try internalUser(context)
        var request = request
        let members = try await request.decodeJSON([MemberToInsertBody].self, context: context).map { try $0.validated() }
        let added = try await service.addMembers(roomId: try context.pathId(), by: user, members: members)
        return try APIJSON.response(added.map(MemberInsertedBody.init), status: .created)
    }

    @Sendable func removeMember(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try internalUser(context)
        try await service.run(.removeMember(by: user, userId: try context.pathId("userId")), roomId: try context.pathId())
        return Self.noContent
    }

    @Sendable func promote(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try internalUser(context)
        try await service.run(.setOwner(by: user, userId: try context.pathId("userId"), owner: true), roomId: try context.pathId())
        return Self.noContent
    }

    @Sendable func demote(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try internalUser(context)
        try await service.run(.setOwner(by: user, userId: try context.pathId("userId"), owner: false), roomId: try context.pathId())
        return Self.noContent
    }

    @Sendable func setOwners(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let user = try internalUser(context)
        var request = request
        let changes = try await request.decodeJSON([MemberOwnerBody].self, context: context).map { try $0.validated() }
        guard !changes.isEmpty else { throw APIError.badRequest("no members given") }
        try await service.run(.setOwners(by: user, changes: changes), roomId: try context.pathId())
        return try APIJSON.response(changes.map { MemberBody(userId: $0.userId.apiString, owner: $0.owner) })
    }
}
