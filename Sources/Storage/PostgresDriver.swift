import Foundation
import Logging
import PostgresKit
import SQLKit

/// A PostgreSQL database through postgres-kit: a connection pool (at most one connection per
/// event loop of `MultiThreadedEventLoopGroup.singleton`) that reconnects after a lost connection.
///
/// Every session runs with `TimeZone=UTC`. ``ParleyStore`` serialises transactions, and
/// `withSession` of the returned `SQLDatabase` leases one connection for a whole transaction.
/// `@unchecked Sendable`: the pool locks its own state and is documented for use from any thread.
public final class PostgresDriver: DatabaseDriver, @unchecked Sendable {
    private let pool: EventLoopGroupConnectionPool<PostgresConnectionSource>
    public let sql: any SQLDatabase
    /// Where it connects (password included; log ``PostgresLocation/redacted`` instead).
    public let location: PostgresLocation

    /// Why the server could not be used.
    public struct ConnectionError: Error, CustomStringConvertible {
        /// The URL without password.
        public var url: String
        /// The driver's detailed error (`String(reflecting:)`; postgres-nio hides details in `description`).
        public var reason: String

        public var description: String { "cannot use PostgreSQL at \(url): \(reason)" }
    }

    private init(pool: EventLoopGroupConnectionPool<PostgresConnectionSource>, location: PostgresLocation, logger: Logger) {
        self.pool = pool
        self.location = location
        self.sql = pool.database(logger: logger).sql(queryLogLevel: .trace)
    }

    /// Connects, checks the server answers, and creates ``PostgresLocation/schema`` if given.
    /// - Throws: ``ConnectionError`` when the server cannot be reached, refuses the login or
    ///   the query fails; TLS configuration errors from NIOSSL.
    public static func open(_ location: PostgresLocation, logger: Logger) async throws -> PostgresDriver {
        let tls: PostgresConnection.Configuration.TLS
        switch location.tls {
        case .disable: tls = .disable
        case .prefer: tls = try .prefer(.init(configuration: .makeClientConfiguration()))
        case .require: tls = try .require(.init(configuration: .makeClientConfiguration()))
        }
        var core = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user, password: location.password,
            database: location.database, tls: tls)
        core.options.additionalStartupParameters = [("TimeZone", "UTC")]
        core.options.connectTimeout = .seconds(10)
        let configuration = SQLPostgresConfiguration(
            coreConfiguration: core, searchPath: location.schema.map { [$0] })
        let pool = EventLoopGroupConnectionPool(
            source: PostgresConnectionSource(sqlConfiguration: configuration),
            maxConnectionsPerEventLoop: 1, requestTimeout: .seconds(10), logger: logger,
            on: MultiThreadedEventLoopGroup.singleton)
        let driver = PostgresDriver(pool: pool, location: location, logger: logger)
        do {
            if let schema = location.schema {
                // `schema` is a plain identifier (checked by the parser), quoted by `ident`.
                try await driver.sql.raw("CREATE SCHEMA IF NOT EXISTS \(ident: schema)").run()
            } else {
                try await driver.sql.raw("SELECT 1").run()
            }
        } catch {
            try? await pool.shutdownAsync()
            throw ConnectionError(url: location.redacted, reason: String(reflecting: error))
        }
        return driver
    }

    /// Drops ``PostgresLocation/schema`` with every table in it (throw-away test databases);
    /// nothing when no schema was configured.
    /// - Throws: driver errors.
    public func dropSchema() async throws {
        guard let schema = location.schema else { return }
        try await sql.raw("DROP SCHEMA IF EXISTS \(ident: schema) CASCADE").run()
    }

    public func shutdown() async throws {
        try await pool.shutdownAsync()
    }
}
