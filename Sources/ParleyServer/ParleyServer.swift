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
    /// Routes: spec §1.2/§1.3 slice and WebSocket `/events`.
    /// - Throws: ``TokenService/SecretError`` for a token secret under 32 bytes.
    public static func buildApplication(
        config: ParleyConfig, store: ParleyStore, mediaPlane: any MeetingMediaPlane,
        hub: EventHub = EventHub(), logger: Logger, clock: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> some ApplicationProtocol {
        let tokens = try await TokenService(secret: config.tokenSecret)
        let authenticator = Authenticator(tokens: tokens, store: store, clock: clock)
        let service = MeetingService(store: store, mediaPlane: mediaPlane, hub: hub, logger: logger, clock: clock)

        let router = Router(context: ParleyRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        router.add(middleware: AuthMiddleware(authenticator: authenticator))
        APIRoutes(service: service).register(on: router)

        let webSocketRouter = Router(context: ParleyRequestContext.self)
        webSocketRouter.add(middleware: AuthMiddleware(authenticator: authenticator, refusingUpgrades: true))
        EventsSocket(hub: hub, service: service, clock: clock).register(on: webSocketRouter)

        return Application(
            router: router,
            server: .http1WebSocketUpgrade(webSocketRouter: webSocketRouter),
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
        let app = try await closingOnError(store) {
            try await buildApplication(config: config, store: store, mediaPlane: mediaPlane, logger: logger)
        }
        let group = ServiceGroup(configuration: .init(
            services: [
                .init(service: StorageService(store: store, logger: logger)),
                .init(service: mediaService),
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
