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
    /// Routes: spec §1.2/§1.3 and WebSocket `/events`. `meetings` (built here when nil) also
    /// receives the media plane's events.
    /// - Throws: ``TokenService/SecretError`` for a token secret under 32 bytes.
    public static func buildApplication(
        config: ParleyConfig, store: ParleyStore, mediaPlane: any MeetingMediaPlane,
        hub: EventHub = EventHub(), logger: Logger, clock: @escaping @Sendable () -> Date = { Date() },
        meetings: MeetingService? = nil
    ) async throws -> some ApplicationProtocol {
        let tokens = try await TokenService(secret: config.tokenSecret)
        let authenticator = Authenticator(tokens: tokens, store: store, clock: clock)
        let service = meetings ?? MeetingService(
            store: store, mediaPlane: mediaPlane, hub: hub, logger: logger, clock: clock,
            maxGroupMembers: config.capabilities.maxGroupMembers)
        mediaPlane.setEventSink { [service] event in service.enqueue(event) }
        let users = UserService(store: store, tokens: tokens, guestTokenTTL: config.guestTokenTTL, clock: clock)

        let router = Router(context: ParleyRequestContext.self)
        router.add(middleware: APIVersionMiddleware())
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: AuthMiddleware(authenticator: authenticator))
        APIRoutes(service: service).register(on: router)
        RoomRoutes(service: service).register(on: router)
        UserRoutes(users: users, capabilities: config.capabilities, store: store).register(on: router)

        let webSocketRouter = Router(context: ParleyRequestContext.self)
        webSocketRouter.add(middleware: AuthMiddleware(authenticator: authenticator, refusingUpgrades: true))
        EventsSocket(hub: hub, service: service, clock: clock).register(on: webSocketRouter)
        let webSocket = WebSocketServerConfiguration(
            maxFrameSize: EventsSocket.maxMessageSize,
            autoPing: .enabled(timePeriod: .milliseconds(Int64((config.webSocketPingInterval * 1000).rounded()))))

        return Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: webSocketRouter, configuration: webSocket),
            configuration: ApplicationConfiguration(
                address: .hostname(config.httpHost, port: config.httpPort), serverName: "Parley"),
            logger: logger)
    }

    /// Runs Parley until SIGTERM or SIGINT: opens and migrates the database, then runs storage,
    /// the media plane service and the HTTP server, in that order; shutdown is graceful and in
    /// reverse order (HTTP first, storage last).
    /// - Throws: configuration, database and media plane start-up errors.
    public static func run(config: ParleyConfig, logger: Logger) async throws {
        let (plane, mediaService) = try makeMediaPlane(config: config, logger: logger)
        try await run(config: config, mediaPlane: plane, mediaService: mediaService, logger: logger)
    }

    /// ``run(config:logger:)`` with an explicit media plane and its service.
    public static func run(
        config: ParleyConfig, mediaPlane: any MeetingMediaPlane, mediaService: any Service, logger: Logger
    ) async throws {
        let store = try await ParleyStore.open(url: config.databaseURL, logger: logger)
        let hub = EventHub()
        let meetings = MeetingService(
            store: store, mediaPlane: mediaPlane, hub: hub, logger: logger,
            maxGroupMembers: config.capabilities.maxGroupMembers)
        let app = try await closingOnError(store) {
            try await buildApplication(config: config, store: store, mediaPlane: mediaPlane, hub: hub, logger: logger, meetings: meetings)
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
            "database": "\(config.databaseURL)",
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
