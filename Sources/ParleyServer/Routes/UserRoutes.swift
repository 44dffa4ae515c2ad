import Foundation
import Hummingbird
import Meetings
import Storage

/// Users, capabilities, the auth token, guest accounts (spec §1.3, §5.4, §5.5, §6) and health.
struct UserRoutes {
    let users: UserService
    let capabilities: Capabilities
    let store: ParleyStore

    func register(on router: Router<ParleyRequestContext>) {
        router.get("/users", use: listUsers)
        router.get("/users/capabilities", use: getCapabilities)
        router.get("/users/:id", use: getUser)
        router.get("/auth/token", use: authToken)
        router.post("/users/guests", use: createGuest)
        router.post("/zx/auth/v3/guests", use: createCarbonioGuest)
        router.get("/health", use: health)
        router.get("/health/live") { _, _ in Response(status: .noContent) }
        router.get("/health/ready", use: ready)
    }

    @Sendable func listUsers(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        _ = try context.requireUser()
        let texts = request.uri.queryParameters.getAll("userIds")
        guard texts.count <= UserService.maxLookup else { throw APIError.badRequest("more than \(UserService.maxLookup) userIds") }
        let ids = try texts.map { text -> UUID in
            guard let id = UUID(uuidString: text) else { throw APIError.badRequest("userIds must be UUIDs") }
            return id
        }
        return try APIJSON.response(try await users.users(ids: ids).map(UserBody.init))
    }

    @Sendable func getUser(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        _ = try context.requireUser()
        return try APIJSON.response(UserBody(try await users.user(id: try context.pathId())))
    }

    @Sendable func getCapabilities(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        _ = try context.requireUser()
        return try APIJSON.response(capabilities)
    }

    @Sendable func authToken(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        _ = try context.requireUser()
        guard let token = context.token else { throw APIError.notFound("no token") }
        return try APIJSON.response(AuthTokenBody(zmToken: token))
    }

    /// `POST /users/guests {name}`: anyone may create a guest (the token of the request, if
    /// any, is not looked at).
    @Sendable func createGuest(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        var request = request
        let body = try await request.decodeJSON(GuestRequestBody.self, context: context)
        return try await guestResponse(name: body.name)
    }

    /// `POST /zx/auth/v3/guests?name=…`: the Carbonio auth service's guest endpoint, same answer.
    @Sendable func createCarbonioGuest(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        guard let name = request.uri.queryParameters.get("name") else { throw APIError.badRequest("name missing") }
        return try await guestResponse(name: name)
    }

    private func guestResponse(name: String) async throws -> Response {
        let (user, token) = try await users.createGuest(name: name)
        return try APIJSON.response(GuestCreatedBody(id: user.id.apiString, zmToken: token, zxToken: token))
    }

    /// `GET /health`: 200 with the database's state, whatever the token.
    @Sendable func health(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        let databaseUp = await databaseIsUp()
        let body = HealthBody(
            isLive: true, isReady: databaseUp,
            dependencies: [HealthBody.Dependency(name: "database", type: "mandatory", isHealthy: databaseUp)])
        return try APIJSON.response(body)
    }

    /// `GET /health/ready`: 204, or 424 when the database (a mandatory dependency) is down.
    @Sendable func ready(_ request: Request, context: ParleyRequestContext) async throws -> Response {
        Response(status: await databaseIsUp() ? .noContent : .parleyFailedDependency)
    }

    private func databaseIsUp() async -> Bool {
        do {
            try await store.read { try await $0.db.raw("SELECT 1").run() }
            return true
        } catch {
            return false
        }
    }
}
