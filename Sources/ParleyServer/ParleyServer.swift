import Foundation
import Hummingbird
import HummingbirdWebSocket
import Logging
import ServiceLifecycle
import Storage

/// Builds and runs Parley: storage, the media plane and the HTTP/WebSocket API under one
/// swift-service-lifecycle `ServiceGroup` (issue 2 §2).
public enum ParleyServer {
    /// The HTTP + WebSocket application for `config`, over an opened `store` and a media plane.
    /// Routes: spec §1.2/§1.3, WebSocket `/events`, `/metrics` (from `metrics`) and
    /// `/openapi.yaml`. `meetings` (built here when nil) also receives the media plane's events.
    /// - Throws: ``TokenService/SecretError`` for a token secret under 32 bytes.
    public static func buildApplication(
        config: ParleyConfig, store: ParleyStore, mediaPlane: any MeetingMediaPlane,
        hub: EventHub = EventHub(), logger: Logger, clock: @escaping @Sendable () -> Date = { Date() },
        meetings: MeetingService? = nil, metrics: ParleyMetrics = ParleyMetrics()
    ) async throws -> some ApplicationProtocol {
        let routers = try await buildRouters(
            config: config, store: store, mediaPlane: mediaPlane, hub: hub, logger: logger, clock: clock,
            meetings: meetings, metrics: metrics)
        let webSocket = WebSocketServerConfiguration(
            maxFrameSize: EventsSocket.maxMessageSize,
            autoPing: .enabled(timePeriod: .milliseconds(Int64((config.webSocketPingInterval * 1000).rounded()))))

        return Application(
            router: routers.http,
            server: .http1WebSocketUpgrade(webSocketRouter: routers.webSocket, configuration: webSocket),
            configuration: ApplicationConfiguration(
                address: .hostname(config.httpHost, port: config.httpPort), serverName: "Parley"),
            logger: logger)
    }

    /// The HTTP router (every REST route, `/metrics`, `/openapi.yaml`) and the WebSocket router
    /// (`/events`) of ``buildApplication(config:store:mediaPlane:hub:logger:clock:meetings:metrics:)``,
    /// with their middleware. Tests read their routes (`Router.routes`).
    /// - Throws: ``TokenService/SecretError`` for a token secret under 32 bytes.
    static func buildRouters(
        config: ParleyConfig, store: ParleyStore, mediaPlane: any MeetingMediaPlane,
        hub: EventHub, logger: Logger, clock: @escaping @Sendable () -> Date,
        meetings: MeetingService?, metrics: ParleyMetrics
    ) async throws -> (http: Router<ParleyRequestContext>, webSocket: Router<ParleyRequestContext>) {
        let tokens = try await TokenService(secret: config.tokenSecret)
        let authenticator = Authenticator(tokens: tokens, store: store, clock: clock)
        let service = meetings ?? MeetingService(
            store: store, mediaPlane: mediaPlane, hub: hub, logger: logger, clock: clock,
            maxGroupMembers: config.capabilities.maxGroupMembers)
        mediaPlane.setEventSink { [service] event in service.enqueue(event) }
        let users = UserService(store: store, tokens: tokens, guestTokenTTL: config.guestTokenTTL, clock: clock)

        let router = Router(context: ParleyRequestContext.self)
        router.add(middleware: HTTPMetricsMiddleware(metrics: metrics))  // first: sees the final status
        router.add(middleware: APIVersionMiddleware())
        router.add(middleware: ErrorMiddleware())
        // Service endpoints that never look at a token.
        MetricsRoute(metrics: metrics, hub: hub, store: store, mediaPlane: mediaPlane).register(on: router)
        OpenAPIRoute().register(on: router)
        router.add(middleware: AuthMiddleware(authenticator: authenticator))
        APIRoutes(service: service).register(on: router)
        RoomRoutes(service: service).register(on: router)
        UserRoutes(users: users, capabilities: config.capabilities, store: store).register(on: router)

        let webSocketRouter = Router(context: ParleyRequestContext.self)
        webSocketRouter.add(middleware: AuthMiddleware(authenticator: authenticator, refusingUpgrades: true))
        EventsSocket(hub: hub, service: service, clock: clock).register(on: webSocketRouter)
        return (router, webSocketRouter)
    }

    /// Runs Parley until SIGTERM or SIGINT: opens and migrates the database, then runs storage,
    /// the media plane service and the HTTP server, in that order; shutdown is graceful and in
    /// reverse order (HTTP first, storage last).
    /// - Throws: configuration, database and media plane start-up errors.
    public static func run(config: ParleyConfig, logger: Logger) async throws {
        let metrics = ParleyMetrics()
        let (plane, mediaService) = try makeMediaPlane(config: config, logger: logger)
        try await run(config: config, mediaPlane: plane, mediaService: mediaService, logger: logger, metrics: metrics)
    }

    /// ``run(config:logger:)`` with an explicit media plane and its service; `metrics` is what
    /// `/metrics` serves (the media plane may feed it too).
    public static func run(
        config: ParleyConfig, mediaPlane: any MeetingMediaPlane, mediaService: any Service, logger: Logger,
        metrics: ParleyMetrics = ParleyMetrics()
    ) async throws {
        let store = try await ParleyStore.open(url: config.databaseURL, logger: logger)
        let hub = EventHub()
        let meetings = MeetingService(
            store: store, mediaPlane: mediaPlane, hub: hub, logger: logger,
            maxGroupMembers: config.capabilities.maxGroupMembers)
        let app = try await closingOnError(store) {
            try await buildApplication(
                config: config, store: store, mediaPlane: mediaPlane, hub: hub, logger: logger, meetings: meetings,
                metrics: metrics)
        }
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: StorageService(store: store, logger: logger)),
                .init(service: mediaService),
                .init(service: MeetingExpirationService(meetings: meetings, interval: config.expirationCheckInterval)),
                .init(service: app),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger))
        logger.info("Parley starting", metadata: [
            "http": "\(config.httpHost):\(config.httpPort)", "media": "\(config.mediaHost):\(config.mediaPort)",
            "database": "\((try? DatabaseURL(parsing: config.databaseURL))?.redacted ?? "invalid URL")",
        ])
        try await group.run()
    }
}

extension ParleyServer {
    /// Runs `body`; if it throws, closes `store` before rethrowing.
    static func closingOnError<T>(_ store: ParleyStore, _ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch {
            try? await store.shutdown()
            throw error
        }
    }
}

/// Keeps the store open while the group runs and closes it on graceful shutdown (after the
/// services started later have stopped).
struct StorageService: Service {
    let store: ParleyStore
    let logger: Logger

    func run() async throws {
        try? await gracefulShutdown()
        try await store.shutdown()
        logger.info("storage closed")
    }
}
