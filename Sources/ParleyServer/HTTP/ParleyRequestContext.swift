import Foundation
import Hummingbird
import HummingbirdWebSocket
import Meetings
import NIOCore

/// Request context of every Parley route: the authenticated caller and the `queue-id` header,
/// set by ``AuthMiddleware``; usable by the WebSocket router too.
public struct ParleyRequestContext: RequestContext, WebSocketRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let webSocket: WebSocketHandlerReference<ParleyRequestContext>
    /// The authenticated user; nil for anonymous requests and rejected tokens.
    public var user: User?
    /// The raw token the user authenticated with (`GET /auth/token` returns it).
    public var token: String?
    /// True when the request carried a token that was refused (expired, forged, malformed).
    public var tokenRejected = false
    /// The `queue-id` header, when present and a UUID.
    public var queueId: UUID?
    /// The connection the request arrived on.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.webSocket = .init()
        self.channel = source.channel
    }

    /// Largest accepted request body, in bytes.
    public var maxUploadSize: Int { 1 << 20 }

    /// The caller; throws 401 when absent.
    func requireUser() throws -> User {
        guard let user else { throw APIError.unauthorized }
        return user
    }

    /// The path parameter `name` as a UUID; a malformed id names nothing (404, spec §1.1).
    func pathId(_ name: String = "id") throws -> UUID {
        guard let text = parameters.get(name), let id = UUID(uuidString: text) else {
            throw APIError.notFound("path id is not a UUID")
        }
        return id
    }
}

/// Authenticates every request (spec §6). A request without a token goes on anonymously and a
/// refused token is noted: routes that need a user answer 401 (``ParleyRequestContext/requireUser()``),
/// the public ones (health, guest creation, `GET /public/meetings/{id}`) decide for themselves.
/// A `queue-id` header that is not a UUID is 401 (spec §1.1). On the WebSocket router
/// (`refusingUpgrades`) every unauthenticated request is 401, and a refused upgrade is made to
/// answer 401 (``UnauthorizedUpgradeResponder``).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext
    let authenticator: Authenticator
    var refusingUpgrades = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var context = context
        let token = Authenticator.token(in: request)
        if token != nil, let user = try await authenticator.authenticate(request) {
            context.user = user
            context.token = token
        } else {
            if refusingUpgrades {
                await UnauthorizedUpgradeResponder.install(on: context.channel)
                throw APIError.unauthorized
            }
            context.tokenRejected = token != nil
        }
        if let header = request.headers.first(where: { $0.name.canonicalName == "queue-id" })?.value {
            guard let queueId = UUID(uuidString: header.trimmingCharacters(in: .whitespaces)) else {
                throw APIError(.unauthorized, "queue-id is not a UUID")
            }
            context.queueId = queueId
        }
        return try await next(request, context)
    }
}
