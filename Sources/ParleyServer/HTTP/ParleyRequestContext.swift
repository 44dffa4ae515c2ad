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
    /// The authenticated user (nil only before ``AuthMiddleware`` ran).
    public var user: User?
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
}

/// Authenticates every request (spec §6): 401 without a valid token, 401 when a `queue-id`
/// header is present but not a UUID (spec §1.1). On the WebSocket router
/// (`refusingUpgrades`), a refused upgrade is made to answer 401 (``UnauthorizedUpgradeResponder``).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = ParleyRequestContext
    let authenticator: Authenticator
    var refusingUpgrades = false

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let user = try await authenticator.authenticate(request) else {
            if refusingUpgrades { await UnauthorizedUpgradeResponder.install(on: context.channel) }
            throw APIError.unauthorized
        }
        var context = context
        context.user = user
        if let header = request.headers.first(where: { $0.name.canonicalName == "queue-id" })?.value {
            guard let queueId = UUID(uuidString: header.trimmingCharacters(in: .whitespaces)) else {
                throw APIError(.unauthorized, "queue-id is not a UUID")
            }
            context.queueId = queueId
        }
        return try await next(request, context)
    }
}
