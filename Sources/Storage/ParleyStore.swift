import Foundation
import Logging
import SQLKit

/// Why a storage call failed other than through the database driver.
public enum StorageError: Error, Equatable, CustomStringConvertible {
    /// A stored value could not be decoded (table, column, value).
    case corruptValue(table: String, column: String, value: String)

    public var description: String {
        switch self {
        case .corruptValue(let table, let column, let value): return "corrupt value '\(value)' in \(table).\(column)"
        }
    }
}

/// Parley's persistent state: users, rooms with members, meetings with participants and
/// waiting queues. All access is serialised; each ``transaction(_:)`` is atomic.
public final class ParleyStore: Sendable {
    public let driver: any DatabaseDriver
    private let lock = AsyncLock()
    private let logger: Logger

    public init(driver: any DatabaseDriver, logger: Logger) {
        self.driver = driver
        self.logger = logger
    }

    /// Opens the database named by `url` (``DatabaseURL``: SQLite file or memory, creating a
    /// file's parent directory; or PostgreSQL) and applies pending migrations.
    /// - Throws: ``DatabaseURL/ParseError``, driver errors (``PostgresDriver/ConnectionError``),
    ///   ``Migrator/MigrationError``.
    public static func open(url: String, logger: Logger) async throws -> ParleyStore {
        let parsed = try DatabaseURL(parsing: url)
        let driver: any DatabaseDriver
        switch parsed {
        case .sqliteFile, .sqliteMemory: driver = try await SQLiteDriver.open(parsed, logger: logger)
        case .postgres(let location): driver = try await PostgresDriver.open(location, logger: logger)
        }
        let store = ParleyStore(driver: driver, logger: logger)
        do {
            let applied = try await store.migrate()
            if !applied.isEmpty { logger.info("applied schema migrations", metadata: ["versions": "\(applied)"]) }
        } catch {
            try? await driver.shutdown()
            throw error
        }
        return store
    }

    /// Applies pending ``ParleySchema/migrations``; returns the versions applied now.
    @discardableResult
    public func migrate() async throws -> [Int] {
        try await lock.withLock { try await Migrator.migrate(self.driver.sql, migrations: ParleySchema.migrations) }
    }

    /// Runs `body` in one database transaction, serialised with every other access. If `body`
    /// throws, the transaction is rolled back and the error rethrown. `afterCommit` runs after a
    /// successful commit, still before any other access (so follow-up effects keep their order).
    public func transaction<T: Sendable>(
        _ body: @escaping @Sendable (StoreSession) async throws -> T,
        afterCommit: (@Sendable (T) async -> Void)? = nil
    ) async throws -> T {
        try await lock.withLock {
            let result = try await self.driver.sql.withSession { db in
                try await db.raw("BEGIN").run()
                do {
                    let result = try await body(StoreSession(db: db))
                    try await db.raw("COMMIT").run()
                    return result
                } catch {
                    do { try await db.raw("ROLLBACK").run() } catch {
                        self.logger.error("rollback failed", metadata: ["error": "\(error)"])
                    }
                    throw error
                }
            }
            await afterCommit?(result)
            return result
        }
    }

    /// Runs read-only `body`, serialised with transactions.
    public func read<T: Sendable>(_ body: @escaping @Sendable (StoreSession) async throws -> T) async throws -> T {
        try await lock.withLock { try await body(StoreSession(db: self.driver.sql)) }
    }

    /// Closes the database after the running transaction.
    public func shutdown() async throws {
        try await lock.withLock { try await self.driver.shutdown() }
    }
}
